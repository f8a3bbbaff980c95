/**
 * The `reflow` comm protocol, version 1, as the frontend sees it
 * (docs/protocol.md; src/reflow/kernel/protocol.py is the kernel's side).
 */

export const PROTOCOL = 1;
export const TARGET = 'reflow';

/** What the kernel knows; `queued` and `running` are the frontend's own. */
export type KernelStatus = 'fresh' | 'stale' | 'dirty' | 'error' | 'never_run';
export type Status = KernelStatus | 'queued' | 'running';
export type Mode = 'reactive' | 'lazy';
export type Direction = 'in_order' | 'any_order';

export interface ICellState {
  id: string;
  index: number;
  status: KernelStatus;
  stale_reason: string | null;
  error: { type: string; message: string } | null;
  /** parent cell id -> the names read from it */
  parents: Record<string, string[]>;
  children: string[];
  refs: string[];
  defs: string[];
  execution_count: number | null;
}

export interface IHello {
  type: 'hello';
  protocol: number;
  kernel: string;
  version: string;
  mode: Mode;
  direction: Direction;
}

export interface IState {
  type: 'state';
  full: boolean;
  mode: Mode;
  direction: Direction;
  cells: ICellState[];
  removed: string[];
  order?: string[];
}

export interface IPlan {
  type: 'plan';
  reason: 'pull' | 'push' | 'delete' | 'widget';
  trigger: string | null;
  cells: string[];
  /** reason 'widget': which global's widget changed. */
  cause?: string;
}

export interface IError {
  type: 'error';
  message: string;
}

export type KernelMessage = (IHello | IState | IPlan | IError) & { reply_to?: number };

/** One cell as `sync` sends it. */
export interface ISyncCell {
  id: string;
  code: string;
}

/**
 * The graph saved under the notebook metadata key `reflow`: the layout
 * src/reflow/files.py writes (version, direction, per cell refs, defs and
 * parent ids), plus the status each cell had when saved, so that a reader
 * of the file knows which outputs were out of date.
 */
export interface ISavedGraph {
  version: number;
  direction: Direction;
  cells: Record<
    string,
    {
      refs: string[];
      defs: string[];
      parents: string[];
      status?: KernelStatus;
      stale_reason?: string | null;
    }
  >;
}
