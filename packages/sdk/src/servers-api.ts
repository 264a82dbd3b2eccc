// Nova servers: virtual machines of the caller's project. Creating and the actions answer at
// once (202) while a job does the work; waitFor (server-wait.ts) follows it to its end.
import { COMPUTE_PREFIX } from '@oceanos/contract';
import { computeVersion, type CapacityReport, type NewServer, type RebootType, type ReconcileReport, type RemoteConsole, type Server, type ServerCreated, type ServerListOptions, type ServerStatus, type ServerSummary } from './compute-types.ts';
import { segment, type HttpTransport } from './http-transport.ts';
import { findByNameOrId, UUID } from './name-lookup.ts';
import { waitForServer, type WaitOptions } from './server-wait.ts';

const SERVERS = `${COMPUTE_PREFIX}/servers`;

interface ServerPage<T> { servers: T[]; servers_links?: { rel: string; href: string }[] }

const base64 = (data: Uint8Array | string) => Buffer.from(data).toString('base64');

/**
 * Servers are read at 2.46: tags, descriptions and `locked` are there, and the flavor is still
 * a reference by id (2.47 embeds it).
 */
export const SERVERS_VERSION = '2.46';

export class ServersApi {
  constructor(private readonly http: HttpTransport) {}

  /** Ids and names, following the pages to the end (or to `limit`). */
  async list(options: ServerListOptions = {}): Promise<ServerSummary[]> {
    return this.pages<ServerSummary>(SERVERS, options);
  }

  /** Whole servers, following the pages to the end (or to `limit`). */
  async listDetail(options: ServerListOptions = {}): Promise<Server[]> {
    return this.pages<Server>(`${SERVERS}/detail`, options);
  }

  async get(id: string): Promise<Server> {
    return (await this.http.json<{ server: Server }>('GET', `${SERVERS}/${segment(id)}`)).server;
  }

  /** A server by id or exact name. Throws ApiError 404 if none matches, AmbiguousNameError if several do. */
  async find(nameOrId: string): Promise<Server> {
    return findByNameOrId('server', nameOrId, (id) => this.get(id), () => this.listDetail({ name: plainName(nameOrId) }), (text) => UUID.test(text));
  }

  /**
   * Asks for a server; it is BUILD until a job has made it ACTIVE (or ERROR). The answer
   * carries the root password, which the server keeps no copy of. Throws ApiError 400 on bad
   * input (unknown image, flavor or key), 413 over quota.
   */
  async create(server: NewServer): Promise<ServerCreated> {
    const body = {
      server: {
        name: server.name,
        imageRef: server.imageRef,
        flavorRef: server.flavorRef,
        metadata: server.metadata,
        key_name: server.keyName,
        user_data: server.userData === undefined ? undefined : base64(server.userData),
        personality: server.personality?.map(({ contents, ...file }) => ({ ...file, contents: base64(contents) })),
        adminPass: server.adminPass,
        tags: server.tags,
        // Required from 2.37; until networking lands every server is made without one.
        networks: 'none',
      },
    };
    // Tags on create came with 2.52 (the answer to a create is the same in every version).
    return (await this.http.json<{ server: ServerCreated }>('POST', SERVERS, { body, headers: computeVersion('2.52') })).server;
  }

  async rename(id: string, name: string): Promise<Server> {
    return (await this.http.json<{ server: Server }>('PUT', `${SERVERS}/${segment(id)}`, { body: { server: { name } } })).server;
  }

  /** Starts deleting: the server answers 404 once the VM is gone (see waitFor 'DELETED'). */
  async delete(id: string): Promise<void> {
    await this.http.request('DELETE', `${SERVERS}/${segment(id)}`);
  }

  // ---- actions; each throws ApiError 409 when the server's state does not allow it

  async start(id: string): Promise<void> {
    await this.action(id, { 'os-start': null });
  }

  /** A clean shutdown (ACPI), forced if the guest does not power off in time. */
  async stop(id: string): Promise<void> {
    await this.action(id, { 'os-stop': null });
  }

  async reboot(id: string, type: RebootType = 'SOFT'): Promise<void> {
    await this.action(id, { reboot: { type } });
  }

  /**
   * Gives the server another flavor's vCPUs and RAM (a running one is stopped and started
   * again); it then waits in VERIFY_RESIZE for `confirmResize` or `revertResize`.
   */
  async resize(id: string, flavorId: string): Promise<void> {
    await this.action(id, { resize: { flavorRef: flavorId } });
  }

  /** Keeps the new flavor of a server in VERIFY_RESIZE. */
  async confirmResize(id: string): Promise<void> {
    await this.action(id, { confirmResize: null });
  }

  /** Goes back to the old flavor of a server in VERIFY_RESIZE (REVERT_RESIZE until done). */
  async revertResize(id: string): Promise<void> {
    await this.action(id, { revertResize: null });
  }

  /** The last `lines` lines of the serial console (all of it when absent). */
  async consoleOutput(id: string, lines?: number): Promise<string> {
    return (await this.action<{ output: string }>(id, { 'os-getConsoleOutput': lines === undefined ? {} : { length: lines } })).output;
  }

  /** A noVNC URL with a one-time token for the server's screen. */
  async vncConsole(id: string): Promise<RemoteConsole> {
    return (await this.action<{ console: RemoteConsole }>(id, { 'os-getVNCConsole': { type: 'novnc' } })).console;
  }

  // ---- metadata and tags

  async metadata(id: string): Promise<Record<string, string>> {
    return (await this.http.json<{ metadata: Record<string, string> }>('GET', `${SERVERS}/${segment(id)}/metadata`)).metadata;
  }

  /** Adds or changes the given keys, keeping the others; returns the whole metadata. */
  async updateMetadata(id: string, metadata: Record<string, string>): Promise<Record<string, string>> {
    return this.writeMetadata('POST', id, metadata);
  }

  /** Replaces the whole metadata. */
  async replaceMetadata(id: string, metadata: Record<string, string>): Promise<Record<string, string>> {
    return this.writeMetadata('PUT', id, metadata);
  }

  async tags(id: string): Promise<string[]> {
    return (await this.http.json<{ tags: string[] }>('GET', `${SERVERS}/${segment(id)}/tags`)).tags;
  }

  async replaceTags(id: string, tags: string[]): Promise<string[]> {
    return (await this.http.json<{ tags: string[] }>('PUT', `${SERVERS}/${segment(id)}/tags`, { body: { tags } })).tags;
  }

  async addTag(id: string, tag: string): Promise<void> {
    await this.http.request('PUT', `${SERVERS}/${segment(id)}/tags/${segment(tag)}`);
  }

  /** Throws ApiError 404 if the server has no such tag. */
  async removeTag(id: string, tag: string): Promise<void> {
    await this.http.request('DELETE', `${SERVERS}/${segment(id)}/tags/${segment(tag)}`);
  }

  // ---- administration

  /**
   * Admin only: compares every server with the VMs the backend holds; with `fix`, makes them
   * agree (servers with a job under way are left to it). Throws ApiError 403 for others.
   */
  async reconcile(options: { fix?: boolean } = {}): Promise<ReconcileReport> {
    const path = `${COMPUTE_PREFIX}/oceanos/reconcile/servers`;
    return options.fix ? this.http.json('POST', path, { body: { fix: true } }) : this.http.json('GET', path);
  }

  /** Admin only: where the cloud's disk goes (filesystem, kept files, VM disks, image cache). */
  async capacity(): Promise<CapacityReport> {
    return this.http.json('GET', `${COMPUTE_PREFIX}/oceanos/capacity`);
  }

  // ---- waiting

  /**
   * Polls the server until its status is one of `target` with no task under way, or it is
   * ERROR; resolves with it then (null once `DELETED`, i.e. 404, is reached). Throws
   * WaitTimeoutError when `timeoutMs` passes first.
   */
  async waitFor(id: string, target: ServerStatus | ServerStatus[], options: WaitOptions = {}): Promise<Server | null> {
    return waitForServer(() => this.get(id), id, Array.isArray(target) ? target : [target], options);
  }

  // ---- wire

  private async action<T = void>(id: string, body: unknown): Promise<T> {
    return this.http.json<T>('POST', `${SERVERS}/${segment(id)}/action`, { body });
  }

  private async writeMetadata(method: 'POST' | 'PUT', id: string, metadata: Record<string, string>): Promise<Record<string, string>> {
    return (await this.http.json<{ metadata: Record<string, string> }>(method, `${SERVERS}/${segment(id)}/metadata`, { body: { metadata } })).metadata;
  }

  private async pages<T extends { id: string }>(path: string, options: ServerListOptions): Promise<T[]> {
    const found: T[] = [];
    let marker: string | undefined;
    for (;;) {
      const pageSize = options.limit === undefined ? options.pageSize : Math.min(options.pageSize ?? Infinity, options.limit - found.length);
      const query = {
        name: options.name, status: options.status, 'changes-since': options.changesSince,
        limit: pageSize === undefined ? undefined : String(pageSize), marker,
      };
      const page = await this.http.json<ServerPage<T>>('GET', path, { query });
      found.push(...page.servers);
      // Nova links the next page only when this one was cut at the limit.
      const more = page.servers.length > 0 && page.servers_links?.some((link) => link.rel === 'next');
      if (!more || (options.limit !== undefined && found.length >= options.limit)) break;
      marker = page.servers.at(-1)!.id;
    }
    return options.limit === undefined ? found : found.slice(0, options.limit);
  }
}

/**
 * The name filter for a lookup of exactly `name`: Nova matches names as regular expressions
 * (a superset, narrowed by the caller), so a name with other special characters asks for all.
 */
const plainName = (name: string) => (/^[\w .-]+$/.test(name) ? name : undefined);
