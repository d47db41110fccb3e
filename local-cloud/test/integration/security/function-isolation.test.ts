/**
 * M2 and M3 of issue 17, where the local cloud runs as root: each function runs as a user of its
 * own, so one cannot read another's environment, TMPDIR or code, nor signal it; and a function
 * never runs as root because the project is out of its user's reach, unless that is asked for.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../../core/types';
import { type LambdaServiceOptions, LocalLambdaService } from '../../../lambda/lambda-service';
import { FUNCTION_UID_BASE, FUNCTION_USER_VARIABLE } from '../../../lambda/runtime/runtime-user';
import { testFunction } from '../../support/function-definition';

const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'function-isolation-'));
afterAll(() => rmSync(workDirectory, { recursive: true, force: true }));

function functionOf(name: string, source: string, settings: Partial<FunctionDefinition> = {}): FunctionDefinition {
  const directory = path.join(workDirectory, name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'index.js'), source);
  return testFunction(name, directory, settings);
}

const VICTIM = `const fs = require('node:fs'); const os = require('node:os');
exports.handler = async () => {
  fs.writeFileSync(os.tmpdir() + '/secret.txt', process.env.SECRET_API_KEY);
  return { pid: process.pid, tmp: os.tmpdir(), code: __dirname, uid: process.getuid() };
};\n`;

const ATTACKER = `const fs = require('node:fs');
const attempt = (action) => { try { const value = action(); return value === undefined ? 'done' : String(value); } catch (error) { return error.code; } };
exports.handler = async ({ pid, tmp, code }) => ({
  uid: process.getuid(),
  environ: attempt(() => fs.readFileSync('/proc/' + pid + '/environ', 'utf8').includes('SECRET_API_KEY') ? 'read' : 'unread'),
  tmpFile: attempt(() => fs.readFileSync(tmp + '/secret.txt', 'utf8')),
  tmpWrite: attempt(() => fs.writeFileSync(tmp + '/planted', 'x')),
  codeList: attempt(() => fs.readdirSync(code).join(',')),
  codeRead: attempt(() => fs.readFileSync(code + '/index.js', 'utf8').length),
  signal: attempt(() => { process.kill(pid, 0); }),
  shadow: attempt(() => fs.readFileSync('/etc/shadow', 'utf8').length),
});\n`;

async function withService<T>(
  options: Omit<LambdaServiceOptions, 'logSink'>,
  use: (service: LocalLambdaService) => Promise<T>,
): Promise<T> {
  const service = new LocalLambdaService({ ...options, logSink: () => undefined });
  try {
    return await use(service);
  } finally {
    await service.close();
  }
}

async function answer(service: LocalLambdaService, name: string, event: unknown = {}): Promise<Record<string, unknown>> {
  const outcome = await service.invoke(name, Buffer.from(JSON.stringify(event)));
  return JSON.parse(outcome.payload.toString('utf8')) as Record<string, unknown>;
}

/** Whether `pid` has ended (gone, or a zombie its new parent has yet to reap) within two seconds. */
async function endedSoon(pid: number): Promise<boolean> {
  for (let waited = 0; waited < 2000; waited += 50) {
    if (!existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe.runIf(process.getuid?.() === 0)('functions of one stack, as root', () => {
  it('run as distinct unprivileged users: one cannot read, write, list or signal what is another’s', async () => {
    const functions = [
      functionOf('Test-Victim', VICTIM, { environment: { SECRET_API_KEY: 'sk-victim' } }),
      functionOf('Test-Attacker', ATTACKER),
    ];
    await withService({ functions }, async (service) => {
      const victim = await answer(service, 'Test-Victim');
      const attacker = await answer(service, 'Test-Attacker', victim);
      expect(victim.uid).toBeGreaterThanOrEqual(FUNCTION_UID_BASE);
      expect(attacker.uid).toBeGreaterThanOrEqual(FUNCTION_UID_BASE);
      expect(attacker.uid).not.toBe(victim.uid);
      expect(attacker).toMatchObject({
        environ: 'EACCES',
        tmpFile: 'EACCES',
        tmpWrite: 'EACCES',
        codeList: 'EACCES',
        codeRead: 'EACCES',
        signal: 'EPERM',
        shadow: 'EACCES',
      });
      // Still the same, unharmed environment.
      expect((await answer(service, 'Test-Victim')).pid).toBe(victim.pid);
    });
  });

  it('never fall back to root when the Node binary is out of their users’ reach: a copy they can read runs instead', async () => {
    const privateFolder = path.join(workDirectory, 'root-only');
    mkdirSync(privateFolder, { mode: 0o700 });
    const nodeBinary = path.join(privateFolder, 'node');
    copyFileSync(process.execPath, nodeBinary);
    const functions = [functionOf('Test-Attacker', ATTACKER)];
    await withService({ functions, nodeBinary }, async (service) => {
      const attacker = await answer(service, 'Test-Attacker', { pid: process.pid, tmp: privateFolder, code: privateFolder });
      expect(attacker.uid).toBeGreaterThanOrEqual(FUNCTION_UID_BASE);
      expect(attacker).toMatchObject({ shadow: 'EACCES', signal: 'EPERM', codeList: 'EACCES' });
    });
  });

  it('leave nothing running once their stack is closed, not even a daemon out of their environment’s tree', async () => {
    const daemon = functionOf(
      'Test-Daemon',
      "exports.handler = async () => ({ pid: Number(require('node:child_process').execSync('nohup sleep 600 >/dev/null 2>&1 & echo $!', { encoding: 'utf8' }).trim()) });\n",
    );
    const pid = await withService({ functions: [daemon] }, async (service) => {
      const started = Number((await answer(service, 'Test-Daemon')).pid);
      expect(() => process.kill(started, 0)).not.toThrow();
      return started;
    });
    expect(await endedSoon(pid)).toBe(true);
  });

  it(`run as root only when ${FUNCTION_USER_VARIABLE}=self asks for it`, async () => {
    const functions = [functionOf('Test-Attacker', ATTACKER)];
    process.env[FUNCTION_USER_VARIABLE] = 'self';
    try {
      await withService({ functions }, async (service) => {
        expect((await answer(service, 'Test-Attacker', { pid: process.pid, tmp: workDirectory, code: workDirectory })).uid).toBe(0);
      });
    } finally {
      delete process.env[FUNCTION_USER_VARIABLE];
    }
  });
});
