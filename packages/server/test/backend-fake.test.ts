// The backend contract on the in-memory FakeBackend, and the controls tests use it with.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { BackendError, type ImageSource, type VmSpec } from '../src/backends/backend.ts';
import { FakeBackend } from '../src/backends/fake/fake-backend.ts';
import { backendContract } from './backend-contract.ts';

function image(bytes = Buffer.from('a tiny image')): ImageSource & { reads: number } {
  return {
    contentKey: createHash('sha256').update(bytes).digest('hex'), format: 'raw', size: bytes.length, reads: 0,
    async *read() { this.reads++; yield bytes; },
  };
}

const spec = (extra: Partial<VmSpec> = {}): VmSpec => ({
  id: randomUUID(), name: 'vm', vcpus: 1, ramMiB: 128, diskBytes: 1 << 30, image: image(),
  personalisation: { hostname: 'web-1.example.org', publicKeys: {}, userData: null, files: [], metadata: {}, adminPass: null },
  ...extra,
});

backendContract('fake', async () => ({ backend: new FakeBackend(), image: image(), cleanup: async () => {} }), { bootTimeoutMs: 1000, stopTimeoutMs: 1000 });

describe('FakeBackend controls', () => {
  it('fails the next call of an operation once, with the error given, changing nothing', async () => {
    const backend = new FakeBackend();
    const vm = spec();
    backend.failNext('create', new BackendError('no room', 'insufficientResources'));
    await assert.rejects(backend.create(vm), /no room/);
    assert.equal(await backend.inspect(vm.id), null);
    await backend.create(vm);
    backend.failNext('inspect', new Error('backend unreachable'));
    await assert.rejects(backend.inspect(vm.id), /unreachable/);
    assert.equal((await backend.inspect(vm.id))?.state, 'running');
  });

  it('kills a VM without a clean shutdown, forgets one entirely, and adopts orphans', async () => {
    const backend = new FakeBackend();
    const vm = spec();
    await backend.create(vm);
    backend.kill(vm.id);
    assert.equal((await backend.inspect(vm.id))?.state, 'stopped');
    assert.doesNotMatch((await backend.consoleOutput(vm.id, 10_000)).toString(), /shutdown/);
    backend.forget(vm.id);
    assert.equal(await backend.inspect(vm.id), null);
    const orphan = { id: randomUUID(), state: 'running' as const, vcpus: 2, ramMiB: 512, diskBytes: 1 << 30 };
    backend.adopt(orphan);
    assert.deepEqual(await backend.list(), [orphan]);
    assert.equal(backend.spec(orphan.id), null);
    assert.match((await backend.consoleOutput(orphan.id, 10_000)).toString(), /oceanos-guest: hostname=oceanos\r\n/);
    assert.throws(() => backend.kill(randomUUID()), BackendError);
  });

  it('boots with the guest\'s host name (cut at the first dot) on every start, and keeps the spec', async () => {
    const backend = new FakeBackend();
    const vm = spec();
    await backend.create(vm);
    await backend.stop(vm.id, { timeoutMs: 1 });
    await backend.start(vm.id);
    const log = (await backend.consoleOutput(vm.id, 10_000)).toString();
    assert.equal(log.match(/oceanos-guest: hostname=web-1\r\n/g)?.length, 2);
    assert.equal(log.match(/oceanos-guest: shutdown\r\n/g)?.length, 1);
    assert.equal(backend.spec(vm.id), vm);
  });

  it('reads an image once per content, and refuses one shorter than its size', async () => {
    const backend = new FakeBackend();
    const shared = image();
    await backend.create(spec({ image: shared }));
    await backend.create(spec({ image: shared }));
    assert.equal(shared.reads, 1);
    const short = { ...image(Buffer.from('other')), size: 100 };
    await assert.rejects(backend.create(spec({ image: short })), (e) => e instanceof BackendError && /5 bytes/.test(e.message));
  });

  it('takes delayMs for each power operation, changing state at the end', async () => {
    const backend = new FakeBackend({ delayMs: 50 });
    const vm = spec();
    const started = Date.now();
    await backend.create(vm);
    const stopping = backend.stop(vm.id, { timeoutMs: 1 });
    assert.equal((await backend.inspect(vm.id))?.state, 'running', 'inspect does not wait');
    await stopping;
    assert.equal((await backend.inspect(vm.id))?.state, 'stopped');
    assert.ok(Date.now() - started >= 95, `two operations took ${Date.now() - started} ms`);
  });
});
