// The semantics every Backend must have (src/backends/backend.ts), as one suite that runs
// against each implementation: the fake in every test run, QEMU with the tiny guest where it
// is installed. Guests report through the serial markers of guest/README.md, which the fake
// imitates. The steps share one VM and run in order, because a real boot costs seconds.
// A capability a backend declares missing is asserted to be refused, never skipped.
import { keySummary, sshPublicKey } from '../../../test/e2e/ssh-key.ts';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BackendError, type Backend, type ImageSource, type VmInfo, type VmSpec } from '../src/backends/backend.ts';

export interface ContractSubject {
  backend: Backend;
  /** A bootable image: oceanos-tiny, or anything for a fake. */
  image: ImageSource;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** How long a start may take until the guest reports `ready`. */
  bootTimeoutMs: number;
  /** Given to stop and reboot: how long the guest has to power off after the ACPI press. */
  stopTimeoutMs: number;
}

const HOSTNAME = 'contract-guest';
const USER_DATA = '#cloud-config\n# not a script: the guest only stores it\n';
const CONSOLE_ALL = 16 * 1024 * 1024;

/** An OpenSSH ed25519 public key line, and what the guest's ssh-key marker says of it. */
function sshKey(): { line: string; summary: string } {
  const line = sshPublicKey('contract@test');
  return { line, summary: keySummary(line) };
}

/** How many times the guest printed the marker `oceanos-guest: <text>` (a whole marker, not a prefix). */
function count(log: string, text: string): number {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return log.match(new RegExp(`oceanos-guest: ${escaped}\\r?$`, 'gm'))?.length ?? 0;
}

const isBackendError = (code?: BackendError['code']) => (error: unknown) => {
  assert.ok(error instanceof BackendError, `expected a BackendError, got ${String(error)}`);
  if (code) assert.equal(error.code, code, error.message);
  return true;
};

/** Runs the contract against the backend `make` gives; `make` is called once, `cleanup` at the end. */
export function backendContract(name: string, make: () => Promise<ContractSubject>, options: ContractOptions): void {
  describe(`backend contract: ${name}`, () => {
    let subject: ContractSubject;
    let backend: Backend;
    let spec: VmSpec;
    const key = sshKey();
    const stop = { timeoutMs: options.stopTimeoutMs };
    // One step may wait for two boots and a stop, and the suite must end on its own.
    const step = { timeout: 2 * options.bootTimeoutMs + 2 * options.stopTimeoutMs + 30_000 };

    const log = async () => (await backend.consoleOutput(spec.id, CONSOLE_ALL)).toString('latin1');

    /** Polls the console until `done` holds, or fails with what the console says. */
    async function waitForConsole(what: string, done: (log: string) => boolean, timeoutMs = options.bootTimeoutMs): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = await log();
        if (done(text)) return text;
        if (Date.now() > deadline) assert.fail(`no ${what} within ${timeoutMs} ms; the console ends with:\n${text.slice(-2000)}`);
        await new Promise((ok) => setTimeout(ok, 200));
      }
    }

    /** Waits until the guest has printed `marker` more often than `before` times. */
    const waitForMore = async (marker: string, before: number) =>
      waitForConsole(`new "${marker}" marker (had ${before})`, (text) => count(text, marker) > before);

    async function assertState(state: VmInfo['state'], size: Partial<VmInfo> = {}): Promise<VmInfo> {
      const info = await backend.inspect(spec.id);
      assert.deepEqual(info, { id: spec.id, state, vcpus: spec.vcpus, ramMiB: spec.ramMiB, diskBytes: spec.diskBytes, ...size });
      const listed = (await backend.list()).filter((vm) => vm.id === spec.id);
      assert.deepEqual(listed, [info], 'list() agrees with inspect()');
      return info!;
    }

    before(async () => {
      subject = await make();
      backend = subject.backend;
      spec = {
        id: randomUUID(), name: 'contract VM', vcpus: 1, ramMiB: 256, diskBytes: Math.max(subject.image.size, 1 << 30), image: subject.image,
        personalisation: {
          hostname: HOSTNAME, publicKeys: { contract: key.line }, userData: Buffer.from(USER_DATA),
          files: [{ path: '/etc/contract', contents: Buffer.from('hello\n') }, { path: '/root/secret', contents: Buffer.from('s\n'), mode: 0o600 }], metadata: { suite: 'contract' }, adminPass: null,
        },
      };
    });

    after(async () => {
      await backend?.destroy(spec.id).catch(() => {});
      await subject?.cleanup();
    });

    it('answers notFound for a VM it does not hold, and destroys one without complaint', async () => {
      const id = randomUUID();
      assert.equal(await backend.inspect(id), null);
      await assert.rejects(backend.start(id), isBackendError('notFound'));
      await assert.rejects(backend.stop(id, stop), isBackendError('notFound'));
      await assert.rejects(backend.reboot(id, 'SOFT', stop), isBackendError('notFound'));
      await assert.rejects(backend.reboot(id, 'HARD', stop), isBackendError('notFound'));
      await assert.rejects(backend.resize(id, 1, 256), isBackendError('notFound'));
      await assert.rejects(backend.consoleOutput(id, 100), isBackendError('notFound'));
      // Without the capability, refusing it is an answer too.
      await assert.rejects(backend.consoleSocket(id), isBackendError(backend.capabilities.vncConsole ? 'notFound' : undefined));
      await backend.destroy(id);
    });

    it('leaves nothing behind when a create fails', async () => {
      const broken: ImageSource = {
        contentKey: createHash('sha256').update(randomUUID()).digest('hex'), format: 'raw', size: 1 << 20,
        async *read() { yield Buffer.alloc(4096, 1); throw new Error('the image store went away'); },
      };
      const id = randomUUID();
      await assert.rejects(backend.create({ ...spec, id, image: broken }));
      assert.equal(await backend.inspect(id), null);
      assert.deepEqual((await backend.list()).filter((vm) => vm.id === id), []);
    });

    it('creates a running VM of the spec\'s size', step, async () => {
      await backend.create(spec);
      await assertState('running');
    });

    it('counts the VM in its capacity report, with its image cache if it keeps one', async () => {
      const capacity = await backend.capacity();
      assert.ok(capacity.vms >= 1);
      assert.ok(capacity.vmDiskBytes >= 0);
      if (capacity.imageCache) assert.ok(capacity.imageCache.bases >= 1 && capacity.imageCache.bytes > 0, 'the VM\'s base is cached');
    });

    it('creating an existing VM again changes nothing', async () => {
      await backend.create({ ...spec, vcpus: spec.vcpus + 1 });
      await assertState('running');
    });

    it('shows the boot and the config drive\'s host name, key, files and user data on the serial console', step, async () => {
      const text = await waitForConsole('"ready" marker', (t) => count(t, 'ready') >= 1);
      assert.equal(count(text, 'booted'), 1, 'one boot so far');
      assert.equal(count(text, `instance-id=${spec.id}`), 1);
      assert.equal(count(text, `hostname=${HOSTNAME}`), 1);
      assert.equal(count(text, `ssh-key=${key.summary}`), 1);
      assert.equal(count(text, 'file=/etc/contract 644 root:root'), 1);
      assert.equal(count(text, 'file=/root/secret 600 root:root'), 1, text);
      assert.equal(count(text, 'user-data=/run/user-data'), 1);
      const tail = await backend.consoleOutput(spec.id, 16);
      assert.ok(tail.length > 0 && tail.length <= 16, `consoleOutput(id, 16) gave ${tail.length} bytes`);
      assert.equal((await backend.consoleOutput(spec.id, 0)).length, 0);
    });

    it('serves the graphical console, or refuses it as its capabilities declare', async () => {
      if (!backend.capabilities.vncConsole) {
        await assert.rejects(backend.consoleSocket(spec.id), isBackendError());
        return;
      }
      const greeting = await new Promise<string>((ok, fail) => {
        backend.consoleSocket(spec.id).then((path) => {
          const socket = connect(path);
          socket.once('data', (data) => { socket.destroy(); ok(data.toString('latin1')); });
          socket.once('error', fail);
        }, fail);
      });
      assert.match(greeting, /^RFB \d{3}\.\d{3}\n$/);
    });

    it('stops the guest cleanly; stopping a stopped VM is fine', step, async () => {
      await backend.stop(spec.id, stop);
      await assertState('stopped');
      assert.equal(count(await log(), 'shutdown'), 1, 'the guest saw the power button');
      await backend.stop(spec.id, stop);
      await assertState('stopped');
    });

    it('resizes a stopped VM, or refuses to as its capabilities declare', async () => {
      if (!backend.capabilities.resize) {
        await assert.rejects(backend.resize(spec.id, 2, 320), isBackendError());
        await assertState('stopped');
        return;
      }
      await backend.resize(spec.id, 2, 320);
      await assertState('stopped', { vcpus: 2, ramMiB: 320 });
      spec = { ...spec, vcpus: 2, ramMiB: 320 };
    });

    it('starts a stopped VM on a HARD reboot, with its new size', step, async () => {
      const ready = count(await log(), 'ready');
      await backend.reboot(spec.id, 'HARD', stop);
      await assertState('running');
      await waitForMore('ready', ready);
    });

    it('refuses to resize a running VM', async () => {
      await assert.rejects(backend.resize(spec.id, 1, 256), isBackendError());
      await assertState('running');
    });

    it('SOFT reboots a running VM through a clean shutdown', step, async () => {
      const before = await log();
      await backend.reboot(spec.id, 'SOFT', stop);
      await assertState('running');
      const after = await waitForMore('ready', count(before, 'ready'));
      assert.equal(count(after, 'shutdown'), count(before, 'shutdown') + 1);
    });

    it('starts a stopped VM; starting a running one changes nothing', step, async () => {
      await backend.stop(spec.id, stop);
      const booted = count(await log(), 'booted');
      await backend.start(spec.id);
      await assertState('running');
      await waitForMore('booted', booted);
      await backend.start(spec.id);
      await assertState('running');
      assert.equal(count(await log(), 'booted'), booted + 1);
    });

    it('resets a running VM on a HARD reboot', step, async () => {
      const booted = count(await log(), 'booted');
      await backend.reboot(spec.id, 'HARD', stop);
      await assertState('running');
      await waitForMore('booted', booted);
    });

    it('destroys the VM; destroying it again is fine', step, async () => {
      await backend.destroy(spec.id);
      assert.equal(await backend.inspect(spec.id), null);
      assert.deepEqual((await backend.list()).filter((vm) => vm.id === spec.id), []);
      await assert.rejects(backend.consoleOutput(spec.id, 100), isBackendError('notFound'));
      await backend.destroy(spec.id);
    });
  });
}
