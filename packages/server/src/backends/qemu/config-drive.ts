// The OpenStack config drive: an ISO 9660 file system labelled config-2 that the guest reads
// at first boot (cloud-init, or oceanos-tiny's rcS: see guest/README.md), laid out as Nova
// lays it out. It is built with genisoimage from a staging directory; nothing is mounted.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BackendError, type Personalisation } from '../backend.ts';

/** The metadata versions written: Nova's first and `latest`, which is what guests read first. */
const VERSIONS = ['2012-08-10', 'latest'];

/**
 * Nova's meta_data.json for the VM. Personality files are referred to by `content_path`, with
 * Synnefo's owner, group and mode when given (cloud-init ignores them; oceanos-tiny applies them).
 */
function metaData(vm: { id: string; name: string }, p: Personalisation): Record<string, unknown> {
  const keys = Object.entries(p.publicKeys);
  return {
    uuid: vm.id,
    name: vm.name,
    hostname: p.hostname,
    launch_index: 0,
    availability_zone: 'nova',
    public_keys: Object.fromEntries(keys),
    keys: keys.map(([name, data]) => ({ name, type: 'ssh', data })),
    meta: p.metadata,
    files: p.files.map((file, i) => ({ path: file.path, content_path: `/content/${contentName(i)}`, owner: file.owner, group: file.group, mode: file.mode })),
    ...(p.adminPass !== null ? { admin_pass: p.adminPass } : {}),
  };
}

/** Nova numbers personality files 0000, 0001, ... in hex. */
const contentName = (i: number) => i.toString(16).padStart(4, '0');

/**
 * Writes an ISO 9660 OpenStack config drive (volume label config-2) at `path` for the VM.
 * Never mounts anything. A personality file's path is the guest's: it goes into
 * meta_data.json only, its bytes into openstack/content/NNNN, so nothing the user names is
 * ever a host path. Throws BackendError if genisoimage fails; then no file is left at `path`.
 * The staging directory, beside `path`, is removed in any case.
 */
export async function writeConfigDrive(path: string, vm: { id: string; name: string }, p: Personalisation): Promise<void> {
  const staging = await mkdtemp(join(dirname(path), '.config-drive-'));
  try {
    const root = join(staging, 'openstack');
    await mkdir(join(root, 'content'), { recursive: true });
    await Promise.all(p.files.map((file, i) => writeFile(join(root, 'content', contentName(i)), file.contents)));
    const meta = JSON.stringify(metaData(vm, p));
    for (const version of VERSIONS) {
      const dir = join(root, version);
      await mkdir(dir);
      await writeFile(join(dir, 'meta_data.json'), meta);
      if (p.userData) await writeFile(join(dir, 'user_data'), p.userData);
    }
    // Files of later metadata versions: no networks are described yet, and no vendor data.
    await writeFile(join(root, 'latest', 'network_data.json'), JSON.stringify({ links: [], networks: [], services: [] }));
    await writeFile(join(root, 'latest', 'vendor_data.json'), '{}');
    await makeIso(path, staging);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function makeIso(path: string, tree: string): Promise<void> {
  try {
    // -r (not -R), as Nova: Rock Ridge names with files owned by root and readable by all,
    // whoever the host user is; -J for Windows guests; -l for names over 8.3.
    await promisify(execFile)('genisoimage', ['-o', path, '-quiet', '-V', 'config-2', '-J', '-r', '-l', tree]);
  } catch (error) {
    await rm(path, { force: true }).catch(() => {});
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new BackendError(`cannot build the config drive: ${(stderr || message).trim()}`);
  }
}
