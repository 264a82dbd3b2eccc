// The qcow2 overlay we write is one QEMU reads as qemu-img's own: checked by qemu-img, with
// the backing file and size it was given, reading the base's bytes and taking writes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { missingTools } from '../../../../../test/e2e/tools.ts';
import { backingFileOf, qcow2Overlay, writeQcow2Overlay } from './qcow2-overlay.ts';

const QEMU_IMG = missingTools(['qemu-img', 'qemu-io']);
const dir = mkdtempSync(join(tmpdir(), 'oceanos-qcow2-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { encoding: 'utf8' });

describe('qcow2 overlays', { skip: QEMU_IMG }, () => {
  const base = join(dir, 'base with, comma.raw');
  writeFileSync(base, Buffer.alloc(3 << 20, 0x5a));

  for (const size of [1 << 30, 10 * 2 ** 30, (3 << 20) + 512, 2 ** 41]) {
    it(`passes qemu-img check and info for ${size} bytes over a raw base`, async () => {
      const disk = join(dir, `disk-${size}.qcow2`);
      await writeQcow2Overlay(disk, base, 'raw', size);
      assert.match(qemuImg('check', disk), /No errors were found/);
      const info = JSON.parse(qemuImg('info', '--output=json', disk));
      assert.deepEqual([info.format, info['virtual-size'], info['backing-filename'], info['backing-filename-format'], info['cluster-size'], info['format-specific'].data.compat],
        ['qcow2', size, base, 'raw', 65536, '1.1']);
    });
  }

  it('reads the base through the overlay and keeps writes in the overlay', async () => {
    const disk = join(dir, 'rw.qcow2');
    await writeQcow2Overlay(disk, base, 'raw', 1 << 30);
    assert.match(execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x5a 0 3M', '-c', 'read -P 0 3M 1M', '-c', 'write -P 0x11 1M 64k', '-c', 'read -P 0x11 1M 64k', disk], { encoding: 'utf8' }), /read 65536\/65536 bytes/);
    assert.match(qemuImg('check', disk), /No errors were found/);
  });

  it('stacks over a qcow2 base', async () => {
    const middle = join(dir, 'middle.qcow2');
    await writeQcow2Overlay(middle, base, 'raw', 1 << 30);
    const top = join(dir, 'top.qcow2');
    await writeQcow2Overlay(top, middle, 'qcow2', 2 * 2 ** 30);
    assert.match(qemuImg('check', top), /No errors were found/);
    assert.equal(JSON.parse(qemuImg('info', '--output=json', '--backing-chain', top)).length, 3);
  });
});

it('refuses sizes that are not whole sectors, and an existing file', async () => {
  assert.throws(() => qcow2Overlay('/base', 'raw', 1000), /invalid virtual size/);
  assert.throws(() => qcow2Overlay('/base', 'raw', 0), /invalid virtual size/);
  const disk = join(dir, 'exists.qcow2');
  writeFileSync(disk, 'x');
  await assert.rejects(writeQcow2Overlay(disk, '/base', 'raw', 1 << 30), { code: 'EEXIST' });
});

it('reads back the backing file an overlay names, and null for anything else', async () => {
  const disk = join(dir, 'named.qcow2');
  await writeQcow2Overlay(disk, '/var/lib/oceanos/images/abc.raw', 'raw', 1 << 30);
  assert.equal(await backingFileOf(disk), '/var/lib/oceanos/images/abc.raw');
  writeFileSync(join(dir, 'plain.raw'), Buffer.alloc(4096));
  assert.equal(await backingFileOf(join(dir, 'plain.raw')), null);
  assert.equal(await backingFileOf(join(dir, 'missing.qcow2')), null);
});
