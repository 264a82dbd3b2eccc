// Every (state, action) pair through the API: allowed ones are accepted, the others answer
// 409 conflictingRequest in Nova's words. The expected matrix is written out here, apart
// from the server's table, so that a wrong entry there fails.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeBackend } from '../src/backends/fake/fake-backend.ts';
import type { VmState } from '../src/db/schema.ts';
import { computeHelpers, NOTHING, type User } from './helpers/compute-servers.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

/** A fake that serves graphical consoles, so that the state alone decides os-getVNCConsole. */
class ConsoleFake extends FakeBackend {
  override readonly capabilities = { vncConsole: true, resize: true };
}

type Action = 'os-start' | 'os-stop' | 'reboot' | 'resize' | 'confirmResize' | 'revertResize' | 'delete' | 'os-getConsoleOutput' | 'os-getVNCConsole' | 'update' | 'metadata' | 'tags';
const ACTIONS: Action[] = ['os-start', 'os-stop', 'reboot', 'resize', 'confirmResize', 'revertResize', 'delete', 'os-getConsoleOutput', 'os-getVNCConsole', 'update', 'metadata', 'tags'];

/** What each vm_state allows when no task is pending. */
const RECORD: Action[] = ['delete', 'update', 'metadata', 'tags'];
const BY_VM: Record<Exclude<VmState, 'deleted'>, Action[]> = {
  building: RECORD,
  active: ['os-stop', 'reboot', 'resize', 'os-getConsoleOutput', 'os-getVNCConsole', ...RECORD],
  stopped: ['os-start', 'resize', 'os-getConsoleOutput', ...RECORD],
  resized: ['confirmResize', 'revertResize', 'os-getConsoleOutput', ...RECORD],
  error: RECORD,
};
/** While a task is pending, only these pass (if the vm_state allows them). */
const WHILE_BUSY: Action[] = RECORD;

interface State { name: string; vm: Exclude<VmState, 'deleted'>; task: string | null }
const STATES: State[] = [
  { name: 'BUILD', vm: 'building', task: 'spawning' },
  { name: 'ACTIVE', vm: 'active', task: null },
  { name: 'SHUTOFF', vm: 'stopped', task: null },
  { name: 'ERROR', vm: 'error', task: null },
  { name: 'ACTIVE while powering-off', vm: 'active', task: 'powering-off' },
  { name: 'SHUTOFF while powering-on', vm: 'stopped', task: 'powering-on' },
  { name: 'REBOOT', vm: 'active', task: 'rebooting' },
  { name: 'RESIZE', vm: 'stopped', task: 'resize_prep' },
  { name: 'VERIFY_RESIZE', vm: 'resized', task: null },
  { name: 'REVERT_RESIZE', vm: 'resized', task: 'resize_reverting' },
];

/** The 409 message Nova gives, or null if the action is allowed. */
function refusal(state: State, what: Action, id: string): string | null {
  if (!BY_VM[state.vm].includes(what)) return `Cannot '${what}' instance ${id} while it is in vm_state ${state.vm}`;
  if (state.task !== null && !WHILE_BUSY.includes(what)) return `Cannot '${what}' instance ${id} while it is in task_state ${state.task}`;
  return null;
}

for (const database of await testDatabases()) {
  describe(`server states on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    const backend = new ConsoleFake();
    let alice: User;
    let imageId: string;
    const { nova, image, create, settled, action, usage } = computeHelpers(() => plane);

    before(async () => {
      plane = await startPlane(await database.create(), () => {}, { backend });
      alice = await plane.createUser('alice');
      imageId = await image(alice);
    });
    after(async () => { await plane?.close(); });

    const request = (id: string, what: Action) => {
      switch (what) {
        case 'delete': return nova(alice, 'DELETE', `/servers/${id}`);
        case 'update': return nova(alice, 'PUT', `/servers/${id}`, { server: { name: 'renamed' } });
        case 'metadata': return nova(alice, 'POST', `/servers/${id}/metadata`, { metadata: { k: 'v' } });
        case 'tags': return nova(alice, 'PUT', `/servers/${id}/tags/t`);
        case 'reboot': return action(alice, id, { reboot: { type: 'SOFT' } });
        case 'resize': return action(alice, id, { resize: { flavorRef: '2' } });
        case 'os-getVNCConsole': return action(alice, id, { 'os-getVNCConsole': { type: 'novnc' } });
        default: return action(alice, id, { [what]: null });
      }
    };

    /** A server in `state`: built for real, stopped for real if it should be, then its record set. */
    const serverIn = async (state: State) => {
      const { id } = await create(alice, { imageRef: imageId });
      await settled(alice, id);
      if (state.vm === 'stopped') {
        await action(alice, id, { 'os-stop': null });
        await settled(alice, id);
      }
      // A resize waiting for its confirmation knows where it came from (a stopped m1.nano).
      const resizeFrom = state.vm === 'resized' ? JSON.stringify({ flavorId: '1', vcpus: 1, ram: 128, vmState: 'stopped', verify: true }) : null;
      await plane.database.db.updateTable('servers').set({ vm_state: state.vm, task_state: state.task, resize_from: resizeFrom }).where('id', '=', id).execute();
      return id;
    };

    const cleanUp = async (id: string) => {
      await plane.jobs.idle(id);
      const row = await plane.database.db.selectFrom('servers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      if (row.vm_state === 'deleted') return;
      await plane.database.db.updateTable('servers').set({ task_state: null, vm_state: row.vm_state === 'building' ? 'error' : row.vm_state }).where('id', '=', id).execute();
      assert.equal((await nova(alice, 'DELETE', `/servers/${id}`)).status, 204);
      await plane.jobs.idle(id);
    };

    for (const state of STATES) {
      it(`walks every action in ${state.name}`, async () => {
        for (const what of ACTIONS) {
          const id = await serverIn(state);
          const res = await request(id, what);
          const refused = refusal(state, what, id);
          if (refused === null) {
            assert.ok([200, 201, 202, 204].includes(res.status), `${what} in ${state.name}: ${res.status} ${res.text}`);
          } else {
            assert.equal(res.status, 409, `${what} in ${state.name}: ${res.text}`);
            assert.deepEqual(res.body, { conflictingRequest: { code: 409, message: refused } });
          }
          await cleanUp(id);
        }
        assert.deepEqual(await usage(alice), NOTHING);
      });
    }
  });
}
