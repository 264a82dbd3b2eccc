// A few Pithos+ routes in memory, behind a fetch function: enough to test the SDK's block
// upload and verified download without a server, and to count what goes over the wire.
import { createHash } from 'node:crypto';
import { BLOCK_SIZE, blockHash, trimTrailingZeros } from '@oceanos/contract';
import type { Fetch } from '@oceanos/sdk';

interface StoredObject { bytes: number; hashes: string[]; contentType: string }

export class FakePithos {
  readonly blocks = new Map<string, Buffer>();
  readonly objects = new Map<string, StoredObject>();
  /** Every block POST: how many bytes each carried. */
  readonly posts: number[] = [];
  maxPostsInFlight = 0;
  /** When set, GETs of object data flip a bit of the first byte. */
  corruptDownloads = false;
  /** When set, GETs of object data send this many bytes and then nothing, never ending. */
  stallAfter?: number;
  private postsInFlight = 0;

  readonly fetch: Fetch = async (input, init = {}) => {
    const url = new URL(String(input));
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    const [, , , , container, ...rest] = url.pathname.split('/').map(decodeURIComponent);
    const name = rest.join('/');
    const body = init.body === undefined || init.body === null ? Buffer.alloc(0) : Buffer.from(init.body as Uint8Array | string);

    if (method === 'POST' && !name) return this.storeBlocks(body);
    if (method === 'PUT' && url.searchParams.has('hashmap')) {
      const map = JSON.parse(body.toString()) as { bytes: number; hashes: string[] };
      const missing = map.hashes.filter((h) => !this.blocks.has(h));
      if (missing.length > 0) return Response.json(missing, { status: 409 });
      this.objects.set(`${container}/${name}`, { ...map, contentType: headers.get('content-type') ?? '' });
      return new Response(null, { status: 201 });
    }
    const object = this.objects.get(`${container}/${name}`);
    if (!object) return new Response('Not Found', { status: 404 });
    if (url.searchParams.has('hashmap')) return Response.json({ block_hash: 'sha256', block_size: BLOCK_SIZE, ...object });
    let data = this.read(object);
    if (this.corruptDownloads) data = Buffer.from(data).fill(data[0]! ^ 1, 0, 1);
    const range = /^bytes=(\d+)-$/.exec(headers.get('range') ?? '');
    const meta = { 'content-type': object.contentType, etag: createHash('md5').update(data).digest('hex') };
    if (method === 'HEAD') return new Response(null, { status: 200, headers: { ...meta, 'content-length': String(data.length) } });
    const sent = range ? data.subarray(Number(range[1])) : data;
    const status = range ? 206 : 200;
    if (this.stallAfter === undefined) return new Response(sent, { status, headers: meta });
    const first = sent.subarray(0, this.stallAfter);
    return new Response(new ReadableStream({ start: (controller) => controller.enqueue(first) }), { status, headers: meta });
  };

  /** The bytes of an object, blocks padded back to their length with zeros. */
  read(object: StoredObject): Buffer {
    const out = Buffer.alloc(object.bytes);
    object.hashes.forEach((hash, i) => this.blocks.get(hash)!.copy(out, i * BLOCK_SIZE));
    return out;
  }

  private async storeBlocks(body: Buffer): Promise<Response> {
    this.posts.push(body.length);
    this.maxPostsInFlight = Math.max(this.maxPostsInFlight, ++this.postsInFlight);
    // Let other POSTs start, so that the test sees how many run at once.
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.postsInFlight--;
    const hashes: string[] = [];
    for (let offset = 0; offset < body.length; offset += BLOCK_SIZE) {
      const block = body.subarray(offset, offset + BLOCK_SIZE);
      const hash = blockHash(block);
      this.blocks.set(hash, Buffer.from(trimTrailingZeros(block)));
      hashes.push(hash);
    }
    return Response.json(hashes, { status: 202 });
  }
}
