import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatProgress, ProgressBar, shortBytes } from '../src/progress-bar.ts';

const MiB = 1024 * 1024;

test('shortBytes keeps one decimal', () => {
  assert.deepEqual([0, 1023, 1024, 199999999, 5 * 1024 ** 4].map(shortBytes), ['0 B', '1023 B', '1.0 KiB', '190.7 MiB', '5.0 TiB']);
});

test('formatDuration', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(75), '1:15');
  assert.equal(formatDuration(3700), '1:01:40');
});

test('a frame shows percentage, bytes, rate and time left within the width', () => {
  const line = formatProgress({ label: 'big.iso', phase: 'uploading', done: 4 * MiB, total: 8 * MiB, elapsedMs: 2000 }, 100);
  assert.equal(line, `big.iso uploading${' '.repeat(12)} [==========>         ]  50% 4.0 MiB/8.0 MiB 2.0 MiB/s 0:02 left`);
  const done = formatProgress({ label: 'big.iso', phase: 'uploading', done: 8 * MiB, total: 8 * MiB, elapsedMs: 4000 }, 100);
  assert.match(done, /\[={20}\] 100% 8\.0 MiB\/8\.0 MiB 2\.0 MiB\/s 0:04$/);
  assert.equal(done.indexOf('['), line.indexOf('['), 'the bar stays in place');
  const stalled = formatProgress({ label: 'x', phase: 'downloading', done: 0, total: 10, elapsedMs: 0 }, 80);
  assert.match(stalled, /  0% 0 B\/10 B 0 B\/s --:-- left$/);
});

test('a long label is cut from the left so that the numbers stay', () => {
  const line = formatProgress({ label: 'a-very-long-file-name-that-goes-on-and-on.tar.gz', phase: 'hashing', done: 1, total: 2, elapsedMs: 1000 }, 100);
  assert.ok(line.length <= 100);
  assert.match(line, /^….*on\.tar\.gz hashing \[/);
  const big = { label: 'huge.bin', phase: 'downloading', done: 190 * MiB, total: 190.7 * MiB, elapsedMs: 1000 } as const;
  assert.match(formatProgress(big, 79), /^huge\.bin downloading +\[=======>\]  99% 190\.0 MiB\/190\.7 MiB 190\.0 MiB\/s 0:00 left$/, 'large numbers fit too');
  assert.match(formatProgress({ label: 'huge.bin', phase: 'uploading', done: 1, total: 2, elapsedMs: 1000 }, 79), /^huge\.bin uploading +\[====>   \]  50% 1 B\/2 B 1 B\/s 0:01 left$/, 'fits 80 columns');
  assert.match(line, /50% 1 B\/2 B 1 B\/s 0:01 left$/);
});

test('an empty transfer is complete', () => {
  assert.match(formatProgress({ label: 'e', phase: 'uploading', done: 0, total: 0, elapsedMs: 0 }, 80), /100% 0 B\/0 B/);
});

test('the bar redraws in place at most ten times a second and ends its line', () => {
  let now = 0;
  const out: string[] = [];
  const bar = new ProgressBar((t) => out.push(t), 'f', 80, () => now);
  bar.update({ phase: 'hashing', done: 1, total: 10 });
  now = 50;
  bar.update({ phase: 'hashing', done: 2, total: 10 });
  now = 150;
  bar.update({ phase: 'hashing', done: 10, total: 10 });
  bar.update({ phase: 'uploading', done: 0, total: 5 });
  bar.finish();
  assert.equal(out.filter((t) => t.startsWith('\r')).length, 3, 'the frame at 50 ms is skipped');
  assert.ok(out.every((t) => t === '\n' || t.endsWith('\x1b[K')));
  assert.deepEqual(out.filter((t) => t === '\n').length, 2, 'one line per phase');
});
