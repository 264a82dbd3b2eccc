// The resources of a Synnefo cloud (reference §3). Services register these at start-up;
// registering again keeps whatever defaults the operator has set since.
import type { ResourceDefinition } from './service.ts';

const GiB = 1024 ** 3;

export const IDENTITY_RESOURCES: ResourceDefinition[] = [
  { name: 'astakos.pending_app', service: 'astakos', unit: null, description: 'Number of pending project applications', systemDefault: 2, uiVisible: false, apiVisible: false },
];

export const COMPUTE_RESOURCES: ResourceDefinition[] = [
  { name: 'cyclades.vm', service: 'cyclades', unit: null, description: 'Number of virtual machines', systemDefault: 5 },
  { name: 'cyclades.total_cpu', service: 'cyclades', unit: null, description: 'Number of virtual machine processors', systemDefault: 10, uiVisible: false },
  { name: 'cyclades.cpu', service: 'cyclades', unit: null, description: 'Number of virtual machine processors of running servers', systemDefault: 10 },
  { name: 'cyclades.total_ram', service: 'cyclades', unit: 'bytes', description: 'Virtual machine memory size', systemDefault: 10 * GiB, uiVisible: false },
  { name: 'cyclades.ram', service: 'cyclades', unit: 'bytes', description: 'Virtual machine memory size of running servers', systemDefault: 10 * GiB },
  { name: 'cyclades.disk', service: 'cyclades', unit: 'bytes', description: 'Virtual machine disk size', systemDefault: 100 * GiB },
  { name: 'cyclades.network.private', service: 'cyclades', unit: null, description: 'Number of private networks', systemDefault: 5 },
  { name: 'cyclades.floating_ip', service: 'cyclades', unit: null, description: 'Number of floating IP addresses', systemDefault: 2 },
];

export const STORAGE_RESOURCES: ResourceDefinition[] = [
  { name: 'pithos.diskspace', service: 'pithos', unit: 'bytes', description: 'Pithos account diskspace', systemDefault: 50 * GiB },
];
