/**
 * One notebook's link to its reflow kernel: the `reflow` comm, the cells the
 * kernel has been told about, and the latest state it sent.
 *
 * The kernel's model of the notebook follows the frontend's: a full `sync`
 * when the comm opens (after every kernel start or restart), then deltas
 * (`add`, `move`, `delete` at once, `edit` debounced while typing). Code is
 * only ever executed through execute_request (runner.ts); these messages
 * never run anything.
 */

import { NotebookPanel } from '@jupyterlab/notebook';
import { ICellModel } from '@jupyterlab/cells';
import { Kernel, KernelMessage as KM } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import {
  Direction,
  ICellState,
  IPlan,
  IState,
  KernelMessage,
  Mode,
  PROTOCOL,
  TARGET
} from './protocol';

const EDIT_DELAY = 300; // ms of quiet typing before an edit is sent

export class Connection {
  constructor(panel: NotebookPanel) {
    this.panel = panel;
    panel.sessionContext.statusChanged.connect(this._onStatus, this);
    panel.sessionContext.kernelChanged.connect(this._onKernelChanged, this);
    panel.model?.cells.changed.connect(this._onCellsChanged, this);
    this._hookCells();
    void this.connect();
  }

  readonly panel: NotebookPanel;
  mode: Mode = 'reactive';
  direction: Direction = 'in_order';
  /** The kernel's view of each cell it knows, by cell id. */
  readonly cells = new Map<string, ICellState>();
  /** The source of each cell as the kernel last heard it (sync, add, edit). */
  readonly sentCode = new Map<string, string>();
  /** Push plans heard since the runner last looked, by the cell that triggered them. */
  readonly pushes = new Map<string, string[]>();

  /** The state changed (or the kernel went away): views redraw. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Tell the views to redraw (the runner queued or started a cell). */
  refresh(): void {
    this._changed.emit();
  }

  /** Plans the runner did not ask for (a reactive delete restores cells). */
  get planned(): ISignal<this, IPlan> {
    return this._planned;
  }

  /** A kernel restart or death: the runner stops. */
  get lost(): ISignal<this, void> {
    return this._lost;
  }

  /** Whether the notebook runs on the reflow kernel (spec name `reflow`). */
  get isReflow(): boolean {
    return this.panel.sessionContext.session?.kernel?.name === 'reflow';
  }

  /** The comm is open and the kernel has been told the whole notebook. */
  get isSynced(): boolean {
    return this._comm !== null && this._synced;
  }

  dispose(): void {
    this._comm = null;
    Signal.clearData(this);
  }

  /** Open the comm and tell the kernel the whole notebook. */
  connect(): Promise<void> {
    if (!this._connecting) {
      this._connecting = true;
      this._ready = this._connect().finally(() => {
        this._connecting = false;
      });
    }
    return this._ready;
  }

  private async _connect(): Promise<void> {
    const context = this.panel.sessionContext;
    await context.ready;
    const kernel = context.session?.kernel;
    if (!kernel || kernel.name !== 'reflow' || this._comm || !['idle', 'busy'].includes(kernel.status)) {
      this._changed.emit();
      return;
    }
    try {
      const comm = kernel.createComm(TARGET);
      comm.onMsg = msg => this._receive(msg);
      comm.onClose = () => {
        if (this._comm === comm) {
          this._reset();
        }
      };
      this._comm = comm;
      comm.open({ type: 'hello', protocol: PROTOCOL, executes_plan: true });
      const cells = this._codeCells();
      this._known = cells.map(c => c.id);
      this.sentCode.clear();
      cells.forEach(c => this.sentCode.set(c.id, c.code));
      this._pending.clear();
      await this.request({ type: 'sync', cells });
      this._synced = true;
      this._changed.emit();
    } catch (error) {
      console.error('reflow: could not connect to the kernel', error);
      this._reset();
    }
  }

  /** Send a message; resolves with the kernel's first reply to it. */
  request(message: Record<string, unknown>): Promise<KernelMessage> {
    const comm = this._comm;
    if (!comm) {
      return Promise.reject(new Error('reflow: the kernel is not connected'));
    }
    const seq = ++this._seq;
    return new Promise((resolve, reject) => {
      this._waiting.set(seq, { resolve, reject });
      comm.send({ ...message, seq } as any);
    });
  }

  /** Tell the kernel every change made so far (before anything runs). */
  async flush(): Promise<void> {
    if (!this._comm) {
      return;
    }
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    const last = this._sendStructure();
    const edits = [...this._pending].map(id => this._sendEdit(id));
    this._pending.clear();
    await Promise.all([last, ...edits].filter(Boolean));
  }

  /** Ask for the cells a reactive run of `id` runs first (and `id` last). */
  async pullPlan(id: string): Promise<string[]> {
    const reply = await this.request({ type: 'plan_request', id });
    if (reply.type === 'plan') {
      return reply.cells;
    }
    throw new Error(reply.type === 'error' ? reply.message : 'reflow: no plan');
  }

  async settings(change: { mode?: Mode; direction?: Direction }): Promise<void> {
    await this.flush();
    await this.request({ type: 'settings', ...change });
  }

  // ---- receiving ------------------------------------------------------------

  private _receive(msg: KM.ICommMsgMsg): void {
    const data = msg.content.data as unknown as KernelMessage;
    switch (data.type) {
      case 'hello':
        this.mode = data.mode;
        this.direction = data.direction;
        break;
      case 'state':
        this._applyState(data);
        break;
      case 'plan':
        if (data.reason === 'push' && data.trigger) {
          this.pushes.set(data.trigger, data.cells);
        } else if (data.reason === 'delete' || data.reason === 'widget') {
          this._planned.emit(data);
        }
        break;
      case 'error':
        console.warn('reflow kernel:', data.message);
        break;
    }
    const waiting = data.reply_to !== undefined ? this._waiting.get(data.reply_to) : undefined;
    if (waiting) {
      this._waiting.delete(data.reply_to!);
      waiting.resolve(data);
    }
  }

  private _applyState(state: IState): void {
    this.mode = state.mode;
    this.direction = state.direction;
    if (state.full) {
      this.cells.clear();
    }
    for (const cell of state.cells) {
      this.cells.set(cell.id, cell);
    }
    for (const id of state.removed) {
      this.cells.delete(id);
    }
    this._changed.emit();
  }

  // ---- the kernel's lifecycle ------------------------------------------------

  private _onStatus(_: unknown, status: Kernel.Status): void {
    if (status === 'restarting' || status === 'autorestarting' || status === 'dead') {
      this._reset();
    } else if ((status === 'idle' || status === 'busy') && !this._comm && this.isReflow) {
      // A restarted kernel knows nothing: tell it the notebook again.
      void this.connect();
    }
  }

  private _onKernelChanged(): void {
    this._reset();
    void this.connect();
  }

  private _reset(): void {
    const had = this._comm !== null;
    this._synced = false;
    if (had) {
      this._lost.emit(); // before the state goes: views keep what the outputs are worth
    }
    this._comm = null;
    for (const waiting of this._waiting.values()) {
      waiting.reject(new Error('reflow: the kernel went away'));
    }
    this._waiting.clear();
    this.pushes.clear();
    this.cells.clear();
    this._changed.emit();
  }

  // ---- deltas ------------------------------------------------------------------

  private _codeCells(): { id: string; code: string }[] {
    const found: { id: string; code: string }[] = [];
    const cells = this.panel.model?.cells;
    if (!cells) {
      return found;
    }
    for (let i = 0; i < cells.length; i++) {
      const model = cells.get(i);
      if (model.type === 'code') {
        found.push({ id: model.id, code: model.sharedModel.getSource() });
      }
    }
    return found;
  }

  private _hookCells(): void {
    const cells = this.panel.model?.cells;
    if (!cells) {
      return;
    }
    for (let i = 0; i < cells.length; i++) {
      this._hook(cells.get(i));
    }
  }

  private _hook(model: ICellModel): void {
    if (this._hooked.has(model)) {
      return;
    }
    this._hooked.add(model);
    model.contentChanged.connect(() => {
      if (model.type !== 'code' || !this._comm) {
        return;
      }
      this._pending.add(model.id);
      if (this._timer !== null) {
        clearTimeout(this._timer);
      }
      this._timer = setTimeout(() => {
        this._timer = null;
        void this.flush();
      }, EDIT_DELAY);
    });
  }

  private _onCellsChanged(): void {
    this._hookCells();
    if (this._comm) {
      void this._sendStructure();
    }
    this._changed.emit();
  }

  /**
   * Deletes, adds and moves that turn the kernel's cell order into the
   * notebook's; the promise of the last message sent, if any.
   */
  private _sendStructure(): Promise<KernelMessage | null> | null {
    const wanted = this._codeCells();
    const ids = wanted.map(c => c.id);
    const known = this._known;
    let last: Promise<KernelMessage | null> | null = null;
    for (const id of [...known]) {
      if (!ids.includes(id)) {
        known.splice(known.indexOf(id), 1);
        this._pending.delete(id);
        last = this._send({ type: 'delete', id });
      }
    }
    wanted.forEach((cell, index) => {
      const at = known.indexOf(cell.id);
      if (at === -1) {
        known.splice(index, 0, cell.id);
        this._pending.delete(cell.id);
        this.sentCode.set(cell.id, cell.code);
        last = this._send({ type: 'add', id: cell.id, code: cell.code, index });
      } else if (at !== index) {
        known.splice(at, 1);
        known.splice(index, 0, cell.id);
        last = this._send({ type: 'move', id: cell.id, index });
      }
    });
    return last;
  }

  private _sendEdit(id: string): Promise<KernelMessage | null> | null {
    const cell = this._codeCells().find(c => c.id === id);
    if (!cell || !this._known.includes(id)) {
      return null;
    }
    this.sentCode.set(id, cell.code);
    return this._send({ type: 'edit', id, code: cell.code });
  }

  /** A delta: if the kernel goes away meanwhile, the next sync carries it. */
  private _send(message: Record<string, unknown>): Promise<KernelMessage | null> {
    return this.request(message).catch(() => null);
  }

  private _comm: Kernel.IComm | null = null;
  private _connecting = false;
  private _synced = false;
  private _ready: Promise<void> = Promise.resolve();
  private _seq = 0;
  private _known: string[] = [];
  private _pending = new Set<string>();
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _hooked = new WeakSet<ICellModel>();
  private _waiting = new Map<
    number,
    { resolve: (m: KernelMessage) => void; reject: (e: Error) => void }
  >();
  private _changed = new Signal<this, void>(this);
  private _planned = new Signal<this, IPlan>(this);
  private _lost = new Signal<this, void>(this);
}
