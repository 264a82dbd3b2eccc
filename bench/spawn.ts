// VM spawn speed against baselines measured in the same run, under the same accelerator:
// - API create -> QEMU running (status ACTIVE), over a bare `qemu-system` start of the same VM
//   (its own command line, on a copy of its disk and config drive); goal <= 1.5;
// - API create -> the guest's boot marker on the serial console, over the same bare QEMU
//   booting to the same marker; goal <= 1.2;
// - create -> ACTIVE from a 10 GiB image over the same from a 1 GiB image (bases cached by a
//   first VM of each; the first-use times are printed too); goal <= 1.2;
// - VMs per second of `oceanos server create --cluster-size 10 --wait`.
// A real `oceanos serve` runs in a temporary data dir with the built-in oceanos-tiny image.
// Usage: node --import tsx bench/spawn.ts [--runs 3] [--accel auto|tcg|kvm] [--dir /var/tmp]
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, copyFileSync, createReadStream, existsSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OCEANOS_BIN, adminToken, startServe, type ServeProcess } from '../test/e2e/serve-process.ts';
import { commandLine, processesMentioning, vmDir, waitFor } from '../test/e2e/vm-host.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, accel: { type: 'string', default: 'auto' }, dir: { type: 'string', default: '/var/tmp' } } });
const RUNS = Number(values.runs);
const work = mkdtempSync(join(values.dir!, 'oceanos-bench-spawn-'));
const dataDir = join(work, 'data');
const BOOTED = 'oceanos-guest: booted';
const GiB = 1024 ** 3;

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let serve!: ServeProcess; // assigned first thing in main(); the finally block copes with a failed start
let token: string;

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${serve.url}${path}`, {
    method,
    headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}


const status = async (id: string) => (await api('GET', `/compute/v2.1/servers/${id}`)).server;
const consoleLog = (dir: string) => (existsSync(join(dir, 'console.log')) ? readFileSync(join(dir, 'console.log'), 'latin1') : '');

/** Creates a server and returns the ms until it is ACTIVE and until its guest booted. */
async function create(name: string, imageRef: string, flavorRef = '1'): Promise<{ id: string; activeMs: number; bootedMs: number }> {
  const start = now();
  const { server } = await api('POST', '/compute/v2.1/servers', { server: { name, imageRef, flavorRef } });
  const dir = vmDir(dataDir, server.id);
  let activeMs = 0;
  await waitFor(`${name} ACTIVE`, async () => {
    const s = await status(server.id);
    if (s.status === 'ERROR') throw new Error(`${name} went to ERROR: ${JSON.stringify(s.fault)}`);
    return s.status === 'ACTIVE';
  }, 300_000, 10);
  activeMs = now() - start;
  await waitFor(`${name} booted`, () => consoleLog(dir).includes(BOOTED), 300_000, 20);
  return { id: server.id, activeMs, bootedMs: now() - start };
}

async function remove(id: string) {
  await api('DELETE', `/compute/v2.1/servers/${id}`);
  await waitFor(`${id} deleted`, async () => {
    const res = await fetch(`${serve.url}/compute/v2.1/servers/${id}`, { headers: { 'x-auth-token': token } });
    await res.arrayBuffer();
    return res.status === 404;
  }, 300_000, 50);
}

/**
 * The same VM started by hand: its QEMU command line with its run dir swapped for a copy
 * (a new overlay on the same cached base, the same config drive). Returns the ms until the
 * daemonizing QEMU returned (running) and until the guest printed its boot marker.
 */
async function bare(argv: string[], runDir: string): Promise<{ runningMs: number; bootedMs: number }> {
  const copy = mkdtempSync(join(work, 'bare-'));
  const base = JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', join(runDir, 'disk.qcow2')], { encoding: 'utf8' }));
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', base['backing-filename-format'] ?? 'raw', '-b', base['full-backing-filename'] ?? base['backing-filename'], join(copy, 'disk.qcow2'), String(base['virtual-size'])]);
  if (existsSync(join(runDir, 'config.iso'))) copyFileSync(join(runDir, 'config.iso'), join(copy, 'config.iso'));
  const args = argv.slice(1).map((a) => a.replaceAll(runDir, copy));
  const uuidAt = args.indexOf('-uuid');
  if (uuidAt >= 0) args[uuidAt + 1] = '00000000-0000-4000-8000-000000000001';
  const start = now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(argv[0]!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bare QEMU exited with ${code}: ${stderr}`))));
  });
  const runningMs = now() - start;
  await waitFor('bare boot', () => consoleLog(copy).includes(BOOTED), 300_000, 20);
  const bootedMs = now() - start;
  for (const pid of processesMentioning('00000000-0000-4000-8000-000000000001')) process.kill(pid, 'SIGKILL');
  await waitFor('bare QEMU gone', () => processesMentioning('00000000-0000-4000-8000-000000000001').length === 0, 300_000, 10);
  rmSync(copy, { recursive: true, force: true });
  return { runningMs, bootedMs };
}

/** A copy of the tiny image padded with zeros to `bytes` (sparse on disk), registered through Glance. */
async function paddedImage(tiny: string, bytes: number, name: string): Promise<string> {
  const file = join(work, `${name}.raw`);
  copyFileSync(tiny, file);
  const fd = openSync(file, 'r+');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  const image = await api('POST', '/image/v2/images', { name, disk_format: 'raw', container_format: 'bare' });
  const url = new URL(`${serve.url}/image/v2/images/${image.id}/file`);
  await new Promise<void>((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'content-length': String(statSync(file).size) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 204 ? resolve() : reject(new Error(`upload ${name}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    createReadStream(file, { highWaterMark: 4 << 20 }).pipe(req);
  });
  rmSync(file);
  return image.id;
}

async function main() {
  console.log(`# VM spawn benchmark in ${work} (accel ${values.accel}, ${RUNS} runs each)`);
  serve = await startServe(dataDir, { OCEANOS_BUILTIN_IMAGE: '1', OCEANOS_ACCEL: values.accel!, OCEANOS_LOG_LEVEL: 'warn' });
  token = await adminToken(serve.url, dataDir);
  const env = { PATH: process.env.PATH ?? '', HOME: work, OCEANOS_URL: serve.url, OCEANOS_TOKEN: token, OCEANOS_CONFIG: join(work, 'cli.json') };
  const cli = (args: string[]) => execFileSync(process.execPath, [OCEANOS_BIN, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const [resource, limit] of [['cyclades.vm', '30'], ['cyclades.cpu', '30'], ['cyclades.total_cpu', '30'], ['cyclades.ram', '8GiB'], ['cyclades.total_ram', '8GiB'], ['cyclades.disk', '500GiB']]) {
    cli(['admin', 'quota', 'set', 'admin', resource!, limit!]);
  }
  const tinyId = (await api('GET', '/image/v2/images?name=oceanos-tiny')).images[0].id as string;

  // The first VM materialises the base of the image; the rest reuse it.
  const first = await create('warm-up', tinyId);
  console.log(`first VM from oceanos-tiny (base not cached): ACTIVE ${first.activeMs.toFixed(0)} ms, booted ${first.bootedMs.toFixed(0)} ms`);
  const argv = commandLine(processesMentioning(first.id)[0]!);
  const accel = argv.join(' ').match(/accel=(\w+)/)?.[1] ?? '?';
  const firstDir = vmDir(dataDir, first.id);

  const ours = { running: [] as number[], booted: [] as number[] };
  const theirs = { running: [] as number[], booted: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const b = await bare(argv, firstDir);
    theirs.running.push(b.runningMs);
    theirs.booted.push(b.bootedMs);
    const vm = await create(`spawn-${i}`, tinyId);
    ours.running.push(vm.activeMs);
    ours.booted.push(vm.bootedMs);
    await remove(vm.id);
  }
  await remove(first.id);

  const tiny = execFileSync('bash', [join(import.meta.dirname, '..', 'guest', 'build-tiny-image.sh')], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  const small = await paddedImage(tiny, 1 * GiB, 'bench-1g');
  const large = await paddedImage(tiny, 10 * GiB, 'bench-10g');
  const sizes = { small: [] as number[], large: [] as number[] };
  // m1.nano with a disk the 10 GiB image fits on, for both images: only the image differs.
  const flavor = (await api('POST', '/compute/v2.1/flavors', { flavor: { name: 'bench.10g', vcpus: 1, ram: 128, disk: 10 } })).flavor.id as string;
  for (const [key, image] of [['small', small], ['large', large]] as const) {
    const vm = await create(`first-${key}`, image, flavor);
    console.log(`first VM from the ${key === 'small' ? '1' : '10'} GiB image (base not cached): ACTIVE ${vm.activeMs.toFixed(0)} ms`);
    await remove(vm.id);
  }
  for (let i = 0; i < RUNS; i++) {
    for (const [key, image] of [['small', small], ['large', large]] as const) {
      const vm = await create(`${key}-${i}`, image, flavor);
      sizes[key].push(vm.activeMs);
      await remove(vm.id);
    }
  }

  const clusterStart = now();
  const out = cli(['server', 'create', '--name', 'cluster', '--flavor', 'm1.nano', '--image', 'oceanos-tiny', '--cluster-size', '10', '--wait', '-o', 'json']);
  const clusterSeconds = (now() - clusterStart) / 1000;
  const created = JSON.parse(out) as { id: string }[];
  for (const vm of created) await remove(vm.id);

  const row = (what: string, value: string, ratio: number | null, goal: string, met: boolean | null) =>
    console.log(`| ${what} | ${value} | ${ratio === null ? '' : ratio.toFixed(2)} | ${goal} | ${met === null ? '' : met ? 'yes' : 'NO'} |`);
  console.log(`\naccelerator: ${accel}; medians of ${RUNS}; baselines: bare QEMU running ${median(theirs.running).toFixed(0)} ms, bare boot to marker ${median(theirs.booted).toFixed(0)} ms`);
  console.log('| measure | value | ratio | goal | met |\n|---|---|---|---|---|');
  const r6 = median(ours.running) / median(theirs.running);
  row('create -> QEMU running (ACTIVE)', `${median(ours.running).toFixed(0)} ms`, r6, '<= 1.5', r6 <= 1.5);
  const r7 = median(ours.booted) / median(theirs.booted);
  row('create -> boot marker', `${median(ours.booted).toFixed(0)} ms`, r7, '<= 1.2', r7 <= 1.2);
  const rs = median(sizes.large) / median(sizes.small);
  row('create from 10 GiB image / from 1 GiB', `${median(sizes.large).toFixed(0)} / ${median(sizes.small).toFixed(0)} ms`, rs, '<= 1.2', rs <= 1.2);
  row('--cluster-size 10 --wait', `${(10 / clusterSeconds).toFixed(2)} VMs/s (${clusterSeconds.toFixed(1)} s)`, null, 'measured', null);
}

try {
  await main();
} finally {
  await serve?.stop().catch(() => undefined);
  // VMs outlive the control plane by design: a run that failed half-way leaves some.
  for (const pid of processesMentioning(work)) process.kill(pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
