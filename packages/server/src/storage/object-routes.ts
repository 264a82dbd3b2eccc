// Object requests of the Swift API with Pithos' extensions: plain and hashmap uploads,
// copy and move without moving data, large-object manifests, ranges, versions, sharing and
// public links.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BLOCK_HASH, BLOCK_SIZE, blockCount, merkleRoot } from '@oceanos/contract';
import { ApiError, badRequest, preconditionFailed } from '../http/errors.ts';
import { isBlockHash } from './block-store.ts';
import { listingTime } from './listing.ts';
import { dloFromHeader, manifestEtag, parseSloBody, splitSegmentPath, type Manifest } from './manifest.ts';
import { checkMetadata, checkContainerName, checkObjectName, decodeName, metadataFromHeaders, type Metadata } from './names.ts';
import { cut, type ObjectReader, type Slice } from './reader.ts';
import { bodyChunks, declaredLength, smallBody } from './request-body.ts';
import type { ObjectView } from './service.ts';
import { parseSharing, type Sharing } from './sharing.ts';
import { guessContentType, header, headerSafe, httpDate, parseRange, parseUntil, readPrecondition, xTimestamp } from './swift-http.ts';
import type { SwiftDeps } from './swift-routes.ts';
import { renderSummary } from './bulk-delete.ts';
import { parseContentRange, parseObjectBytes, updateRange, type UpdateData } from './partial-update.ts';
import { accepted, HTML, swiftError, swiftHtml } from './swift-answers.ts';
import type { Committed, Draft, ObjectPath } from './writer.ts';

export interface ObjectContext { request: FastifyRequest; reply: FastifyReply; caller: string; path: ObjectPath }

type Query = Record<string, string | undefined>;

export function objectRoutes(deps: SwiftDeps) {
  const { pithos } = deps;

  return async function handle(ctx: ObjectContext) {
    switch (ctx.request.method) {
      case 'GET':
      case 'HEAD': return read(ctx);
      case 'PUT': return put(ctx);
      case 'COPY':
      case 'MOVE': return copyByDestination(ctx);
      case 'POST': return post(ctx);
      case 'DELETE': return remove(ctx);
      default: throw new ApiError('methodNotAllowed', `${ctx.request.method} is not allowed on an object`, undefined, { allow: 'COPY, DELETE, GET, HEAD, MOVE, POST, PUT' });
    }
  };

  // ---- reading

  async function read({ request, reply, caller, path }: ObjectContext) {
    const query = request.query as Query;
    if (query.version === 'list') {
      const versions = await pithos.versions(caller, path);
      return reply.code(200).type('application/json').send(JSON.stringify({ versions: versions.map((v) => [v.serial, Date.parse(v.modifiedAt) / 1000]) }));
    }
    const version = query.version === undefined || query.version === '' ? undefined : Number(query.version);
    if (version !== undefined && !Number.isSafeInteger(version)) throw badRequest('version must be a version id or "list"');
    if (query['multipart-manifest'] === 'get') {
      // The manifest itself, as Swift shows it, without reading the segments it names.
      const { manifest, modifiedAt } = await pithos.manifestOf(caller, path, version);
      if (manifest && 'slo' in manifest) {
        reply.headers({ etag: manifest.etag, 'accept-ranges': 'bytes', 'last-modified': httpDate(modifiedAt), 'x-timestamp': xTimestamp(modifiedAt), 'x-static-large-object': 'True' });
        return reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(manifest.slo.map((s) => ({
          name: s.path, hash: s.etag, bytes: s.size_bytes, content_type: 'application/octet-stream', last_modified: listingTime(modifiedAt),
        }))));
      }
    }
    const view = await pithos.objectInfo(caller, path, version, { own: query['multipart-manifest'] === 'get' });
    if ('hashmap' in query) {
      if (view.manifest) throw badRequest('A large object has no hashmap of its own; read its segments');
      return reply.code(200).type('application/json').send(JSON.stringify({ block_hash: BLOCK_HASH, block_size: BLOCK_SIZE, bytes: view.size, hashes: view.hashes }));
    }
    objectHeaders(reply, view, true);
    return sendBytes(request, reply, view, pithos.reader);
  }

  function objectHeaders(reply: FastifyReply, view: ObjectView, full: boolean) {
    reply.headers({
      'content-type': view.contentType, etag: view.etag, 'last-modified': httpDate(view.modifiedAt),
      'x-timestamp': xTimestamp(view.modifiedAt), 'accept-ranges': 'bytes',
      ...view.metadata,
    });
    if (!full) return;
    reply.headers({
      'x-object-hash': view.objectHash, 'x-object-uuid': view.uuid, 'x-object-version': view.serial,
      'x-object-version-timestamp': xTimestamp(view.modifiedAt), 'x-object-modified-by': view.modifiedBy,
    });
    if (view.manifest && 'dlo' in view.manifest) reply.header('x-object-manifest', headerSafe(view.manifest.dlo));
    if (view.manifest && 'slo' in view.manifest) reply.header('x-static-large-object', 'True');
    if (view.sharing) reply.header('x-object-sharing', view.sharing);
    if (view.sharedBy) reply.headers({ 'x-object-shared-by': headerSafe(view.sharedBy), 'x-object-allowed-to': view.allowedTo });
    if (view.publicToken) reply.header('x-object-public', deps.publicUrl(view.publicToken));
  }

  // ---- uploads

  async function put(ctx: ObjectContext) {
    const { request, reply, caller, path } = ctx;
    const query = request.query as Query;
    if (header(request, 'x-copy-from') !== undefined || header(request, 'x-move-from') !== undefined) return copyFromHeaders(ctx);
    await pithos.checkWrite(caller, path);
    const base = draftBase(request, path.name);
    const options = { modifiedBy: caller, sharing: sharingFrom(request), publish: publishFrom(request), mustNotExist: header(request, 'if-none-match')?.trim() === '*' };

    if ('hashmap' in query) {
      const body = parseHashmap(await smallBody(request, 64 * 1024 * 1024));
      const missing = await pithos.blocksToSend(caller, body.hashes);
      if (missing.length) return reply.code(409).type('application/json').send(JSON.stringify(missing));
      const md5 = await pithos.knownMd5(merkleRoot(body.hashes), body.bytes);
      const committed = await pithos.writer.commit(path, { ...base, size: body.bytes, hashes: body.hashes, md5 }, { ...options, postedBy: caller });
      if (md5 === null) pithos.fillMd5Later(path.account, committed.serial);
      return created(reply, committed, md5 ?? undefined);
    }

    if (query['multipart-manifest'] === 'put') {
      const segments = await checkSegments(caller, path.account, parseSloBody(await smallBody(request, 2 * 1024 * 1024)));
      const etag = manifestEtag(segments.map((s) => s.etag));
      const manifest: Manifest = { slo: segments, bytes: segments.reduce((sum, s) => sum + s.size_bytes, 0), etag: etag.replace(/"/g, '') };
      const committed = await pithos.writer.commit(path, { ...base, size: 0, hashes: [], md5: null, manifest: JSON.stringify(manifest) }, options);
      return created(reply, committed, etag);
    }

    const length = declaredLength(request);
    const manifestHeader = header(request, 'x-object-manifest');
    const manifest = manifestHeader === undefined ? null : JSON.stringify(dloFromHeader(manifestHeader));
    const expected = header(request, 'etag')?.replace(/"/g, '').toLowerCase();
    const upload = await pithos.writer.begin(path, length);
    const stored = await pithos.writer.storeStream(bodyChunks(request), upload);
    if (expected !== undefined && expected !== stored.md5) {
      await pithos.writer.abandon(upload);
      throw new ApiError('badRequest', 'Unprocessable Entity: the body does not match the ETag given', undefined, {}, 422);
    }
    const committed = await pithos.writer.commit(path, { ...base, ...stored, manifest }, { ...options, upload });
    return created(reply, committed, stored.md5);
  }

  /** Content type and stored headers of a new upload. */
  function draftBase(request: FastifyRequest, name: string): Pick<Draft, 'contentType' | 'metadata' | 'manifest'> {
    const metadata: Metadata = { ...metadataFromHeaders(request.headers, 'object').set };
    for (const key of ['content-disposition', 'content-encoding']) {
      const value = header(request, key);
      if (value) metadata[key] = value;
    }
    checkMetadata(metadata, 'object');
    const type = header(request, 'content-type');
    return { contentType: type && !request.headers['x-detect-content-type'] ? type : guessContentType(name), metadata, manifest: null };
  }

  function parseHashmap(text: string): { bytes: number; hashes: string[] } {
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      throw badRequest('The hashmap must be JSON: {"bytes": N, "hashes": [...]}');
    }
    const bytes = body?.bytes;
    const hashes = body?.hashes;
    if (!Number.isSafeInteger(bytes) || bytes < 0 || !Array.isArray(hashes)) throw badRequest('The hashmap must be JSON: {"bytes": N, "hashes": [...]}');
    if (!hashes.every((h: unknown) => typeof h === 'string' && isBlockHash(h))) throw badRequest('Every hash must be 64 lower-case hex digits (SHA-256)');
    if (hashes.length !== blockCount(bytes)) throw badRequest(`${bytes} bytes take ${blockCount(bytes)} blocks of ${BLOCK_SIZE}, not ${hashes.length}`);
    return { bytes, hashes };
  }

  /** Checks each SLO segment against what is stored; fills in missing etags and sizes. */
  async function checkSegments(caller: string, account: string, segments: ReturnType<typeof parseSloBody>) {
    const out = [];
    for (const [i, segment] of segments.entries()) {
      const { container, name } = splitSegmentPath(segment.path);
      let view: ObjectView;
      try {
        view = await pithos.objectInfo(caller, { account, container, name });
      } catch (error) {
        if (error instanceof ApiError && error.kind === 'notFound') throw badRequest(`Index ${i}: segment ${segment.path} does not exist`);
        throw error;
      }
      if (view.manifest) throw badRequest(`Index ${i}: segment ${segment.path} is itself a large object`);
      if (segment.etag !== null && segment.etag !== view.etag) throw badRequest(`Index ${i}: ETag of ${segment.path} does not match`);
      if (segment.size_bytes !== null && segment.size_bytes !== view.size) throw badRequest(`Index ${i}: size of ${segment.path} does not match`);
      if (view.size === 0 && i < segments.length - 1) throw badRequest(`Index ${i}: only the last segment may be empty`);
      out.push({ path: `/${container}/${name}`, etag: view.etag, size_bytes: view.size });
    }
    return out;
  }

  // ---- copy and move

  async function copyFromHeaders(ctx: ObjectContext) {
    const { request } = ctx;
    const move = header(request, 'x-move-from') !== undefined;
    const source = sourcePath(header(request, move ? 'x-move-from' : 'x-copy-from')!, header(request, 'x-source-account') ?? ctx.path.account, move ? 'X-Move-From' : 'X-Copy-From');
    const version = header(request, 'x-source-version');
    return copy(ctx, source, ctx.path, move, version === undefined ? undefined : Number(version));
  }

  async function copyByDestination(ctx: ObjectContext) {
    const destination = header(ctx.request, 'destination');
    if (!destination) throw swiftError(412, 'Destination header required', HTML);
    const target = sourcePath(destination, header(ctx.request, 'destination-account') ?? ctx.path.account, 'Destination');
    return copy(ctx, ctx.path, target, ctx.request.method === 'MOVE', undefined);
  }

  async function copy({ request, reply, caller }: ObjectContext, source: ObjectPath, target: ObjectPath, move: boolean, version: number | undefined) {
    if (version !== undefined && !Number.isSafeInteger(version)) throw badRequest('X-Source-Version must be a version id');
    const samePath = source.account === target.account && source.container === target.container && source.name === target.name;
    const { draft, modifiedAt } = await pithos.sourceDraft(caller, source, { version, move: move && !samePath });
    await pithos.checkWrite(caller, target);
    const fresh = header(request, 'x-fresh-metadata')?.toLowerCase() === 'true';
    const given = metadataFromHeaders(request.headers, 'object');
    const metadata = { ...(fresh ? {} : draft.metadata), ...given.set };
    for (const key of given.remove) delete metadata[key];
    checkMetadata(metadata, 'object');
    const type = header(request, 'content-type');
    const committed = await pithos.writer.commit(target, { ...draft, metadata, contentType: type || draft.contentType }, {
      modifiedBy: caller, sharing: sharingFrom(request), publish: publishFrom(request),
      ...(move && !samePath ? { moveFrom: source } : {}),
    });
    // Swift's copy answers with the new object's metadata as well as where it came from.
    reply.headers({
      ...metadata,
      'x-copied-from': headerSafe(`${source.container}/${source.name}`), 'x-copied-from-account': source.account,
      'x-copied-from-last-modified': httpDate(modifiedAt),
    });
    return created(reply, committed, draft.md5 ?? undefined);
  }

  /** `/container/object` (URL-encoded, leading slash optional) in `account`. */
  function sourcePath(value: string, account: string, headerName: string): ObjectPath {
    const trimmed = value.replace(/^\/+/, '');
    const slash = trimmed.indexOf('/');
    if (slash <= 0 || slash === trimmed.length - 1) throw swiftError(412, `${headerName} header must be of the form <container name>/<object name>`, HTML);
    const container = decodeName(trimmed.slice(0, slash), 'container');
    const name = decodeName(trimmed.slice(slash + 1), 'object');
    checkContainerName(container);
    checkObjectName(name);
    return { account: decodeName(account, 'account'), container, name };
  }

  // ---- metadata, sharing, deletion

  async function post(ctx: ObjectContext) {
    const { request, reply, caller, path } = ctx;
    const query = request.query as Query;
    if (isPartialUpdate(request)) return partialUpdate(ctx);
    if ('update' in query && header(request, 'content-type')?.startsWith('multipart/form-data')) {
      throw badRequest('Uploads from HTML forms (X-Object-Data) are not supported; PUT the object instead');
    }
    const metadata = metadataFromHeaders(request.headers, 'object').set;
    for (const key of ['content-disposition', 'content-encoding']) {
      const value = header(request, key);
      if (value) metadata[key] = value;
    }
    const manifestHeader = header(request, 'x-object-manifest');
    const contentType = header(request, 'content-type');
    const hasSharing = header(request, 'x-object-sharing') !== undefined;
    const hasPublic = header(request, 'x-object-public') !== undefined;
    // A POST that only (un)shares or (un)publishes keeps the metadata, as in Pithos.
    const onlySharing = (hasSharing || hasPublic) && Object.keys(metadata).length === 0;
    await pithos.updateObject(caller, path, {
      ...(onlySharing ? {} : { metadata }),
      // Pithos' `?update` merges the metadata given (an empty value removes a key); Swift replaces it.
      merge: 'update' in query,
      ...(contentType && !contentType.startsWith('application/x-www-form-urlencoded') ? { contentType } : {}),
      ...(manifestHeader !== undefined ? { manifest: dloFromHeader(manifestHeader) } : {}),
      sharing: sharingFrom(request), publish: publishFrom(request),
    });
    return accepted(reply);
  }

  /** Pithos' partial update: data into a range, appended, taken from another object, or a cut. */
  async function partialUpdate({ request, reply, caller, path }: ObjectContext) {
    const range = header(request, 'content-range');
    const sourceHeader = header(request, 'x-source-object');
    const version = header(request, 'x-source-version');
    if (version !== undefined && !/^\d+$/.test(version)) throw badRequest('X-Source-Version must be a version id');
    const data: UpdateData = sourceHeader !== undefined
      ? { kind: 'source', path: sourcePath(sourceHeader, header(request, 'x-source-account') ?? path.account, 'X-Source-Object'), ...(version ? { version: Number(version) } : {}) }
      : range !== undefined ? { kind: 'body', chunks: bodyChunks(request), declared: declaredLength(request) } : { kind: 'none' };
    const committed = await updateRange(pithos, caller, path, {
      range: range === undefined ? null : parseContentRange(range),
      truncate: parseObjectBytes(header(request, 'x-object-bytes')),
      data, metadata: metadataFromHeaders(request.headers, 'object').set,
    });
    return reply.code(204).headers({ 'x-object-version': committed.serial, 'last-modified': httpDate(committed.modifiedAt) }).send();
  }

  async function remove({ request, reply, caller, path }: ObjectContext) {
    const query = request.query as Query;
    const until = parseUntil(query.until);
    if (until !== undefined) {
      await pithos.accounts.purgeHistory(caller, path, until);
      return reply.code(204).send();
    }
    if (query['multipart-manifest'] === 'delete') {
      const view = await pithos.objectInfo(caller, path);
      if (view.manifest && 'slo' in view.manifest) {
        let deleted = 0;
        let missing = 0;
        for (const segment of view.manifest.slo) {
          const { container, name } = splitSegmentPath(segment.path);
          try {
            await pithos.deleteObject(caller, { account: path.account, container, name });
            deleted++;
          } catch (error) {
            if (!(error instanceof ApiError && error.kind === 'notFound')) throw error;
            missing++;
          }
        }
        await pithos.deleteObject(caller, path);
        const { type, body } = renderSummary({ deleted: deleted + 1, notFound: missing, errors: [] }, header(request, 'accept'));
        return reply.code(200).header('content-type', type).send(Buffer.from(body));
      }
    }
    // Pithos: with `delimiter`, a folder goes with everything under it (kamaki's `file delete -r`).
    if (query.delimiter) await pithos.deleteFolder(caller, path, query.delimiter);
    else await pithos.deleteObject(caller, path);
    return reply.code(204).send();
  }
}

/** A POST that changes an object's bytes (Pithos), not only its metadata. */
const isPartialUpdate = (request: FastifyRequest) =>
  ['content-range', 'x-source-object', 'x-object-bytes'].some((name) => request.headers[name] !== undefined);

function created(reply: FastifyReply, committed: Committed, etag: string | undefined) {
  if (etag) reply.header('etag', etag);
  return reply.code(201).headers({
    'last-modified': httpDate(committed.modifiedAt), 'x-object-version': committed.serial, 'x-object-uuid': committed.uuid,
    'content-type': 'text/html; charset=UTF-8',
  }).send('');
}

/**
 * X-Object-Sharing, and X-Object-Share-History: true when the grantees may also read the
 * versions written before the share (without it they see the current version and later ones).
 */
function sharingFrom(request: FastifyRequest): Sharing | undefined {
  const value = header(request, 'x-object-sharing');
  const history = header(request, 'x-object-share-history')?.trim().toLowerCase();
  if (history !== undefined && history !== 'true' && history !== 'false') throw badRequest('X-Object-Share-History must be true or false');
  return value === undefined ? undefined : { grants: parseSharing(value), shareHistory: history === 'true' };
}

function publishFrom(request: FastifyRequest): boolean | undefined {
  const value = header(request, 'x-object-public')?.trim().toLowerCase();
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw badRequest('X-Object-Public must be true or false');
  return value === 'true';
}

/** Sends the whole object, one range, or several ranges as multipart/byteranges. */
export function sendBytes(request: FastifyRequest, reply: FastifyReply, view: ObjectView, reader: ObjectReader) {
  const precondition = readPrecondition(request, view.etag, view.modifiedAt);
  if (precondition === 304) return reply.code(304).send();
  // Swift's failed precondition on a read has an empty body.
  if (precondition === 412) {
    reply.removeHeader('accept-ranges');
    throw swiftError(412, '', HTML);
  }
  const head = request.method === 'HEAD';
  // A HEAD answers for the whole object whatever Range it names, as Swift's does.
  const ranges = head ? null : parseRange(header(request, 'range'), view.size);
  if (ranges === 'unsatisfiable') {
    return reply.code(416).headers({ 'content-range': `bytes */${view.size}`, 'content-type': view.contentType }).send(swiftHtml(416));
  }
  const stream = (slices: Slice[]) => Readable.from(reader.read(slices));
  if (ranges === null) {
    reply.code(200).header('content-length', view.size);
    return head ? reply.send() : reply.send(stream(view.slices));
  }
  if (ranges.length === 1) {
    const [start, end] = ranges[0]!;
    reply.code(206).headers({ 'content-length': end - start, 'content-range': `bytes ${start}-${end - 1}/${view.size}` });
    return head ? reply.send() : reply.send(stream(cut(view.slices, start, end)));
  }
  const boundary = randomBytes(16).toString('hex');
  const parts = ranges.map(([start, end]) => ({
    head: Buffer.from(`--${boundary}\r\nContent-Type: ${view.contentType}\r\nContent-Range: bytes ${start}-${end - 1}/${view.size}\r\n\r\n`),
    start, end,
  }));
  const tail = Buffer.from(`--${boundary}--`);
  const length = parts.reduce((sum, p) => sum + p.head.length + (p.end - p.start) + 2, 0) + tail.length;
  reply.code(206).headers({ 'content-type': `multipart/byteranges;boundary=${boundary}`, 'content-length': length });
  if (head) return reply.send();
  async function* multipart() {
    for (const part of parts) {
      yield part.head;
      yield* reader.read(cut(view.slices, part.start, part.end));
      yield Buffer.from('\r\n');
    }
    yield tail;
  }
  return reply.send(Readable.from(multipart()));
}
