/**
 * The synthesized template checked by cfn-lint (AWS's CloudFormation linter, a Python tool): no
 * error. It is not an npm dependency, so a machine without it skips this file, saying so; CI's
 * machine has it.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, inject, it } from 'vitest';

const cdkOut = inject('cdkOut');
const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const installed = version.status === 0;

it.skipIf(!installed)(
  `cfn-lint (${installed ? version.stdout.trim() : 'not installed'}) finds no error in the synthesized template`,
  () => {
    const run = spawnSync('cfn-lint', ['--format', 'parseable', path.join(cdkOut, 'MultiSquare.template.json')], {
      encoding: 'utf8',
      timeout: 170_000,
    });

    // cfn-lint's exit status is a bit field: 2 an error, 4 a warning, 8 an informational finding.
    const findings = run.stdout.split('\n').filter((line) => line !== '');
    const errors = findings.filter((line) => /:E\d{4}:/.test(line));
    expect(run.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect((run.status ?? 2) & 2).toBe(0);
    // The warnings left are CDK's own: a DependsOn on a role the function already names by GetAtt (W3005).
    expect(findings.filter((line) => !/:W3005:/.test(line) && !/:E\d{4}:/.test(line))).toEqual([]);
  },
  180_000,
);
