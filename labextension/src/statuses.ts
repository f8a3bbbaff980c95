/**
 * The status each cell shows, and why.
 *
 * The kernel's status wins for every cell that ran in this kernel session.
 * A cell that did not, but shows outputs from before (a saved notebook just
 * opened, or a kernel restart), shows what those outputs are worth: the
 * status saved with the file (or held before the restart), `dirty` once its
 * source differs from the one that made them, and `stale` when a cell it
 * reads from is stale, edited, or ran again in this session. Soundness over
 * precision: an output that may be out of date is never shown as fresh.
 */

import { NotebookPanel } from '@jupyterlab/notebook';
import { ICellModel, ICodeCellModel } from '@jupyterlab/cells';

import { Connection } from './connection';
import { ISavedGraph, KernelStatus, Status } from './protocol';

export const METADATA_KEY = 'reflow';
const SAVED_VERSION = 1;

export interface IShown {
  status: Status;
  reason: string;
  /** The status describes outputs from before this kernel session. */
  earlier: boolean;
}

/** What a cell's outputs were worth when they were made (saved, or before a restart). */
interface IEarlier {
  status: KernelStatus;
  reason: string;
  source: string;
  parents: string[];
}

export class Statuses {
  constructor(panel: NotebookPanel, connection: Connection) {
    this._panel = panel;
    this._connection = connection;
    connection.lost.connect(this._snapshot, this);
  }

  /** Cells a run has scheduled (`queued`) or is executing (`running`). */
  readonly overlay = new Map<string, 'queued' | 'running'>();

  /** Read the graph saved in the notebook's metadata, once the file is loaded. */
  loadSaved(): void {
    const model = this._panel.model;
    const saved = model?.getMetadata(METADATA_KEY) as ISavedGraph | undefined;
    if (!model || !saved || typeof saved !== 'object' || typeof saved.cells !== 'object') {
      return;
    }
    this._begin();
    for (const cell of this._models()) {
      const record = saved.cells[cell.id];
      if (!record || !record.status) {
        continue;
      }
      this._earlier.set(cell.id, {
        status: record.status,
        reason: record.stale_reason ?? '',
        source: cell.sharedModel.getSource(),
        parents: Array.isArray(record.parents) ? record.parents : []
      });
    }
  }

  /** The graph and statuses to save in the notebook's metadata. */
  toSave(): ISavedGraph {
    const cells: ISavedGraph['cells'] = {};
    const all = this.all();
    for (const cell of this._models()) {
      const known = this._connection.cells.get(cell.id);
      const shown = all.get(cell.id)!;
      const status = shown.status === 'queued' || shown.status === 'running' ? 'stale' : shown.status;
      cells[cell.id] = {
        refs: known?.refs ?? [],
        defs: known?.defs ?? [],
        parents: this._parents(cell.id),
        status,
        stale_reason: shown.reason || null
      };
    }
    return { version: SAVED_VERSION, direction: this._connection.direction, cells };
  }

  /** The status a cell shows now. */
  shown(id: string): IShown {
    this._begin();
    return this._shown(id, new Set());
  }

  /** Every code cell's status, in notebook order; `underneath`: as if no run were going on. */
  all(underneath = false): Map<string, IShown> {
    this._begin();
    const overlay = new Map(this.overlay);
    if (underneath) {
      this.overlay.clear();
    }
    const found = new Map<string, IShown>();
    for (const cell of this._models()) {
      found.set(cell.id, this._shown(cell.id, new Set()));
    }
    overlay.forEach((value, key) => this.overlay.set(key, value));
    return found;
  }

  /** How a user sees a cell: `cell [3]` after its execution count, else its position. */
  label(id: string): string {
    this._begin();
    return this._label(id);
  }

  /** The kernel's `cell [id]` references, as the user sees those cells. */
  relabel(text: string): string {
    this._begin();
    return this._relabel(text);
  }

  private _label(id: string): string {
    const index = this._position().get(id);
    if (index === undefined) {
      return 'a deleted cell';
    }
    const count = (this._models()[index] as ICodeCellModel).executionCount;
    return count ? `cell [${count}]` : `cell #${index + 1}`;
  }

  private _relabel(text: string): string {
    return text.replace(/cell \[([^\]]+)\]/g, (whole, id: string) =>
      this._position().has(id) ? this._label(id) : whole
    );
  }

  private _shown(id: string, visiting: Set<string>): IShown {
    const memo = this._memo.get(id);
    if (memo) {
      return memo;
    }
    const result = this._compute(id, visiting);
    this._memo.set(id, result);
    return result;
  }

  private _compute(id: string, visiting: Set<string>): IShown {
    const overlay = this.overlay.get(id);
    if (overlay) {
      return { status: overlay, reason: overlay === 'queued' ? 'waiting to run' : 'running', earlier: false };
    }
    const known = this._connection.cells.get(id);
    if (known && known.status !== 'never_run') {
      let reason = known.stale_reason ?? '';
      if (known.status === 'error' && known.error) {
        reason = `${known.error.type}: ${known.error.message}`;
      } else if (known.status === 'dirty') {
        reason = 'edited since it last ran';
      } else if (known.status === 'fresh') {
        reason = 'up to date';
      }
      return { status: known.status, reason: this._relabel(reason), earlier: false };
    }
    const index = this._position().get(id);
    const model = index === undefined ? undefined : this._models()[index];
    const earlier = this._earlier.get(id);
    if (!model || !earlier || !hasOutputs(model)) {
      return { status: 'never_run', reason: 'not run in this kernel session', earlier: false };
    }
    if (model.sharedModel.getSource() !== earlier.source) {
      return { status: 'dirty', reason: 'edited since its output was made', earlier: true };
    }
    if (earlier.status !== 'fresh' && earlier.status !== 'never_run') {
      return { status: earlier.status, reason: this._relabel(earlier.reason), earlier: true };
    }
    visiting.add(id);
    for (const parent of this._parents(id)) {
      if (visiting.has(parent)) {
        continue;
      }
      const above = this._shown(parent, visiting);
      const ranAgain = this._connection.cells.get(parent)?.status === 'fresh';
      const names = this._connection.cells.get(id)?.parents[parent] ?? [];
      const reads = names.length ? `reads ${names.map(n => `\`${n}\``).join(', ')} from` : 'reads from';
      if (ranAgain) {
        return { status: 'stale', reason: `${reads} ${this._label(parent)}, which ran again since`, earlier: true };
      }
      if (above.status !== 'fresh' && above.status !== 'never_run') {
        return { status: 'stale', reason: `${reads} ${this._label(parent)}, which is ${above.status}`, earlier: true };
      }
    }
    visiting.delete(id);
    return {
      status: earlier.status === 'fresh' ? 'fresh' : 'never_run',
      reason: 'up to date then, and nothing it reads has changed since',
      earlier: true
    };
  }

  private _parents(id: string): string[] {
    const known = this._connection.cells.get(id);
    if (known) {
      return Object.keys(known.parents);
    }
    return this._earlier.get(id)?.parents ?? [];
  }

  /** The kernel went away: what its outputs are worth now is what they were. */
  private _snapshot(): void {
    const shown = this.all();
    for (const cell of this._models()) {
      const now = shown.get(cell.id);
      if (!now || now.status === 'never_run') {
        continue;
      }
      const status: KernelStatus =
        now.status === 'queued' || now.status === 'running' ? 'stale' : now.status;
      this._earlier.set(cell.id, {
        status,
        reason: now.reason,
        // What the kernel last heard: an edit still on its way makes the cell dirty.
        source: this._connection.sentCode.get(cell.id) ?? cell.sharedModel.getSource(),
        parents: this._parents(cell.id)
      });
    }
  }

  /** A new pass over the notebook: cells may have changed since the last one. */
  private _begin(): void {
    this._memo.clear();
    this._list = null;
    this._positions = null;
  }

  private _position(): Map<string, number> {
    if (!this._positions) {
      this._positions = new Map(this._models().map((m, i) => [m.id, i]));
    }
    return this._positions;
  }

  private _models(): ICellModel[] {
    if (this._list) {
      return this._list;
    }
    const found: ICellModel[] = [];
    const cells = this._panel.model?.cells;
    if (cells) {
      for (let i = 0; i < cells.length; i++) {
        const model = cells.get(i);
        if (model.type === 'code') {
          found.push(model);
        }
      }
    }
    this._list = found;
    return found;
  }

  private _panel: NotebookPanel;
  private _connection: Connection;
  private _earlier = new Map<string, IEarlier>();
  private _memo = new Map<string, IShown>();
  private _list: ICellModel[] | null = null;
  private _positions: Map<string, number> | null = null;
}

function hasOutputs(model: ICellModel): boolean {
  const code = model as ICodeCellModel;
  return code.outputs.length > 0 || code.executionCount !== null;
}
