import type { MachineProfile } from './profiles.js';
import { configError, ok, type ConfigError, type Result } from './result.js';

export const MAX_CPUS = 1024;

export interface Topology {
  readonly sockets: number;
  readonly coresPerSocket: number;
  readonly threadsPerCore: number;
  /** Sockets joined directly; a line moving between boards crosses the interconnect. */
  readonly socketsPerBoard: number;
}

/** Where each CPU sits. CPUs are numbered thread-fastest: cpu = (socket * cores + core) * threads + thread. */
export interface CpuPlacement {
  readonly core: Int32Array;
  readonly socket: Int32Array;
  readonly board: Int32Array;
}

export function validateCpuCount(cpuCount: unknown): Result<number, ConfigError> {
  if (typeof cpuCount !== 'number' || !Number.isInteger(cpuCount) || cpuCount < 1 || cpuCount > MAX_CPUS) {
    return configError('cpuCount', `cpuCount must be a whole number from 1 to ${MAX_CPUS}, got ${String(cpuCount)}`);
  }
  return ok(cpuCount);
}

/**
 * The profile's own shape when the CPU count fills whole sockets of it. A count that fits in one
 * socket is one socket; a larger one is spread over the fewest sockets that divide it evenly, each
 * no fuller than the profile's, so 64 CPUs of a 56-thread socket are two sockets of 32 and 1024
 * are 32 of 32: past one socket, lines cross sockets and boards as they would on the real system.
 */
export function defaultTopology(cpuCount: number, profile: MachineProfile): Topology {
  const { coresPerSocket, threadsPerCore, socketsPerBoard } = profile.defaultTopology;
  const perSocket = coresPerSocket * threadsPerCore;
  const threads = cpuCount % threadsPerCore === 0 ? threadsPerCore : 1;
  if (cpuCount <= perSocket) return { sockets: 1, coresPerSocket: cpuCount / threads, threadsPerCore: threads, socketsPerBoard };
  let sockets = Math.ceil(cpuCount / perSocket);
  while (cpuCount % (sockets * threads) !== 0) sockets++;
  return { sockets, coresPerSocket: cpuCount / (sockets * threads), threadsPerCore: threads, socketsPerBoard };
}

export function validateTopology(cpuCount: number, topology: Topology): Result<Topology, ConfigError> {
  const { sockets, coresPerSocket, threadsPerCore, socketsPerBoard } = topology;
  for (const [field, value] of Object.entries({ sockets, coresPerSocket, threadsPerCore, socketsPerBoard })) {
    if (!Number.isInteger(value) || value < 1) {
      return configError(`topology.${field}`, `topology.${field} must be a whole number of at least 1, got ${String(value)}`);
    }
  }
  const product = sockets * coresPerSocket * threadsPerCore;
  if (product !== cpuCount) {
    return configError('topology', `topology has ${sockets} sockets x ${coresPerSocket} cores x ${threadsPerCore} threads = ${product} CPUs, but cpuCount is ${cpuCount}`);
  }
  return ok(topology);
}

export function placeCpus(cpuCount: number, topology: Topology): CpuPlacement {
  const core = new Int32Array(cpuCount);
  const socket = new Int32Array(cpuCount);
  const board = new Int32Array(cpuCount);
  for (let cpu = 0; cpu < cpuCount; cpu++) {
    core[cpu] = Math.floor(cpu / topology.threadsPerCore);
    socket[cpu] = Math.floor(cpu / (topology.threadsPerCore * topology.coresPerSocket));
    board[cpu] = Math.floor((socket[cpu] ?? 0) / topology.socketsPerBoard);
  }
  return { core, socket, board };
}
