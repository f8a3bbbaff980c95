/**
 * Runs cells the way reflow means them to run, through ordinary
 * execute_requests (each cell keeps its own outputs and execution count).
 *
 * - reactive (Shift+Enter): the cells the kernel says to pull, the cell,
 *   then every cell the kernel's push plans name, in their order, each only
 *   while it is still stale when its turn comes (a re-run that left a value
 *   unchanged spares its readers);
 * - alone (Ctrl/Cmd+Shift+Enter): the cell only; the kernel marks its
 *   readers stale and the push plan is ignored;
 * - stale (Space in command mode): every stale cell, first in notebook
 *   order first, each with what it pulls, until none is left.
 *
 * A run stops at the first cell that fails, and says so; runs never overlap
 * (a second request waits for the first to finish). A mode or direction switch
 * waits its turn the same way: a run keeps the rules it started with.
 */

import { Notification } from '@jupyterlab/apputils';
import { CodeCell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { KernelMessage as KM } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { Connection } from './connection';
import { Direction, IPlan, Mode } from './protocol';
import { Statuses } from './statuses';

export type RunKind = 'reactive' | 'alone' | 'stale';

class Stopped extends Error {}

export class Runner {
  constructor(panel: NotebookPanel, connection: Connection, statuses: Statuses) {
    this._panel = panel;
    this._connection = connection;
    this._statuses = statuses;
    connection.lost.connect(() => {
      this._lost = true;
    });
    connection.planned.connect(this._onPlan, this);
  }

  /** What the last run ended with, for the toolbar (empty while all is well). */
  get message(): string {
    return this._message;
  }

  get messageChanged(): ISignal<this, string> {
    return this._messageChanged;
  }

  run(kind: RunKind, id: string | null): Promise<void> {
    const next = this._chain.then(() => this._run(kind, id));
    this._chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Switch the mode or direction once the runs asked for earlier are over: a run keeps
   * the rules it started with. A run is many execute_requests, and the kernel sends a
   * push plan after each one only in reactive mode: a switch sent at once would reach
   * the kernel ahead of a waiting run's execute_request (a lazy run would re-run the
   * readers) or between two of them (a reactive run would stop halfway). The kernel
   * applies `%flow mode` after its run for the same reason.
   */
  settings(change: { mode?: Mode; direction?: Direction }): Promise<void> {
    const next = this._chain.then(() => this._connection.settings(change));
    this._chain = next.catch(() => undefined);
    return next;
  }

  private async _run(kind: RunKind, id: string | null): Promise<void> {
    this._lost = false;
    this._ran = new Set();
    this._say('');
    try {
      if (!this._connection.isSynced) {
        await this._connection.connect();
      }
      if (!this._connection.isSynced) {
        this._stop('reflow: the kernel is not ready (starting or restarting); run again in a moment');
      }
      await this._connection.flush();
      if (kind === 'stale') {
        await this._runStale();
      } else if (id !== null) {
        if (kind === 'alone') {
          await this._execute(id, false);
        } else {
          await this._runReactive(await this._connection.pullPlan(id));
        }
      }
    } catch (error) {
      if (!(error instanceof Stopped)) {
        // The kernel died or went away mid-request: say so, like any other stop.
        const message = `reflow: the run stopped: ${error instanceof Error ? error.message : error}`;
        this._say(message);
        Notification.error(message, { autoClose: 8000 });
        console.error(error);
      }
    } finally {
      this._statuses.overlay.clear();
      this._connection.refresh();
    }
  }

  /**
   * Run `first` in order (with `onlyStale`, each only while it is stale when its turn
   * comes), then what their push plans name, while it is stale.
   */
  private async _runReactive(first: string[], onlyStale = false): Promise<void> {
    const queue: string[] = [];
    const follow = (cell: string): void => {
      for (const next of this._connection.pushes.get(cell) ?? []) {
        if (!queue.includes(next)) {
          queue.push(next);
        }
      }
      this._connection.pushes.delete(cell);
    };
    this._queue(first);
    for (const cell of first) {
      if (!this._ran.has(cell) && (!onlyStale || this._isStale(cell))) {
        await this._execute(cell, true);
        follow(cell);
      }
    }
    for (;;) {
      const next = queue.find(c => !this._ran.has(c) && this._isStale(c));
      if (next === undefined) {
        break;
      }
      this._queue(queue.filter(c => !this._ran.has(c) && this._isStale(c)));
      for (const cell of await this._connection.pullPlan(next)) {
        if (!this._ran.has(cell)) {
          await this._execute(cell, true);
          follow(cell);
        }
      }
      this._ran.add(next); // even if the plan left it out: never picked twice
    }
  }

  private async _runStale(): Promise<void> {
    for (;;) {
      const stale = [...this._statuses.all(true)]
        .filter(([id, shown]) => shown.status === 'stale' && !this._ran.has(id))
        .map(([id]) => id);
      if (stale.length === 0) {
        break;
      }
      this._queue(stale);
      for (const cell of await this._connection.pullPlan(stale[0])) {
        if (!this._ran.has(cell)) {
          await this._execute(cell, false);
        }
      }
      this._ran.add(stale[0]);
    }
  }

  private _isStale(id: string): boolean {
    return this._connection.cells.get(id)?.status === 'stale';
  }

  private _queue(ids: string[]): void {
    for (const id of ids) {
      if (!this._ran.has(id)) {
        this._statuses.overlay.set(id, 'queued');
      }
    }
    this._connection.refresh();
  }

  /** Execute one cell in place; a failure stops the run. */
  private async _execute(id: string, reactive: boolean): Promise<void> {
    const widget = this._panel.content.widgets.find(w => w.model.id === id);
    this._ran.add(id);
    if (!(widget instanceof CodeCell)) {
      return; // deleted meanwhile: nothing to run
    }
    if (this._lost) {
      this._stop(`reflow: the kernel restarted or died; ${this._statuses.label(id)} and the cells after it did not run`);
    }
    this._connection.pushes.delete(id); // only this execution's push plan counts
    this._statuses.overlay.set(id, 'running');
    this._connection.refresh();
    let reply: KM.IExecuteReplyMsg | void = undefined;
    try {
      reply = await CodeCell.execute(widget, this._panel.sessionContext, {
        deletedCells: this._panel.model?.deletedCells ?? [],
        recordTiming: this._panel.content.notebookConfig.recordTiming
      });
    } catch (error) {
      if (!this._lost) {
        throw error;
      }
    } finally {
      this._statuses.overlay.delete(id);
    }
    if (!reactive) {
      this._connection.pushes.delete(id);
    }
    if (this._lost) {
      const left = [...this._statuses.overlay.keys()].map(c => this._statuses.label(c));
      const rest = left.length ? `; not run: ${left.join(', ')}` : '';
      this._stop(`reflow: the kernel died or restarted while ${this._statuses.label(id)} ran${rest}`);
    }
    const content = reply?.content;
    if (content && content.status !== 'ok') {
      const what = content.status === 'error' ? `${content.ename}: ${content.evalue}` : content.status;
      const left = [...this._statuses.overlay.keys()].map(c => this._statuses.label(c));
      const rest = left.length ? `; not run: ${left.join(', ')}` : '';
      this._stop(`reflow: the run stopped at ${this._statuses.label(id)} (${what})${rest}`);
    }
  }

  private _stop(message: string): never {
    this._say(message);
    Notification.error(message, { autoClose: 8000 });
    throw new Stopped(message);
  }

  private _say(message: string): void {
    this._message = message;
    this._messageChanged.emit(message);
  }

  /**
   * A reactive delete (the kernel names the cells that restore what it unbound), or a
   * widget the user moved (its readers): run them in place, after any run in progress.
   */
  private _onPlan(_: Connection, plan: IPlan): void {
    if ((plan.reason === 'delete' || plan.reason === 'widget') && plan.cells.length) {
      void this._restore(plan.cells);
    }
  }

  private _restore(cells: string[]): Promise<void> {
    const next = this._chain.then(async () => {
      this._ran = new Set();
      this._lost = false;
      try {
        // Queued behind a run that may have brought them up to date already (a slider
        // dragged on while its readers ran): only what is still stale runs.
        await this._runReactive(cells, true);
      } catch (error) {
        if (!(error instanceof Stopped)) {
          console.error(error);
        }
      } finally {
        this._statuses.overlay.clear();
        this._connection.refresh();
      }
    });
    this._chain = next.catch(() => undefined);
    return next;
  }

  private _panel: NotebookPanel;
  private _connection: Connection;
  private _statuses: Statuses;
  private _chain: Promise<void> = Promise.resolve();
  private _ran = new Set<string>();
  private _lost = false;
  private _message = '';
  private _messageChanged = new Signal<this, string>(this);
}
