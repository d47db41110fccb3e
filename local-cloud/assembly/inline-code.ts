/**
 * Writes out the inline code (`Code.ZipFile`) of an assembly's functions: CloudFormation runs it
 * as `index.js`, and the Lambda service stages code from a directory. Loading the assembly only
 * names each directory (beside the assembly, named by the code's digest); the stack calls this
 * once when it starts, so a load that only lists or describes functions writes nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FunctionDefinition } from '../core/types';

export function writeInlineCode(functions: readonly FunctionDefinition[]): void {
  for (const definition of functions) {
    if (definition.inlineCode === undefined) continue;
    mkdirSync(definition.codeDirectory, { recursive: true });
    writeFileSync(path.join(definition.codeDirectory, 'index.js'), definition.inlineCode);
  }
}
