/**
 * What a reflow notebook shows: a status badge on every code cell (an icon
 * and a word, never colour alone; the reason on hover), the selected cell's
 * upstream and downstream cells outlined in two different line styles with a
 * label saying which is which, and a toolbar control for the mode and the
 * direction.
 */

import { NotebookPanel } from '@jupyterlab/notebook';
import { Cell } from '@jupyterlab/cells';
import { Widget } from '@lumino/widgets';

import { Connection } from './connection';
import { Runner } from './runner';
import { IShown, Statuses } from './statuses';
import { Status } from './protocol';

const ACTIVE = 'reflow-active';

const LOOK: Record<Status, { icon: string; word: string }> = {
  fresh: { icon: '\u2713', word: 'fresh' }, // check mark
  stale: { icon: '\u25B2', word: 'stale' }, // triangle
  dirty: { icon: '\u270E', word: 'dirty' }, // pencil: edited since it ran
  error: { icon: '\u2716', word: 'error' }, // heavy cross
  queued: { icon: '\u29D7', word: 'queued' }, // hourglass
  running: { icon: '\u25B6', word: 'running' }, // play
  never_run: { icon: '\u25CB', word: 'never run' } // circle
};

export class View {
  constructor(panel: NotebookPanel, connection: Connection, statuses: Statuses, runner: Runner) {
    this._panel = panel;
    this._connection = connection;
    this._statuses = statuses;
    this.toolbar = new Toolbar(connection, runner);
    panel.toolbar.insertItem(10, 'reflow', this.toolbar);
    connection.changed.connect(this.render, this);
    panel.content.activeCellChanged.connect(this.render, this);
    panel.content.modelContentChanged.connect(this.render, this);
    this.render();
  }

  readonly toolbar: Toolbar;

  render(): void {
    const active = this._connection.isReflow;
    const notebook = this._panel.content;
    notebook.node.classList.toggle(ACTIVE, active);
    notebook.node.dataset.reflowKernel = this._connection.isSynced ? 'synced' : 'waiting';
    this.toolbar.setHidden(!active);
    this.toolbar.refresh();
    const shown: Map<string, IShown> = active ? this._statuses.all() : new Map();
    const selected = notebook.activeCell;
    const selectedState = selected ? this._connection.cells.get(selected.model.id) : undefined;
    const parents = selectedState?.parents ?? {};
    const children = new Set(selectedState?.children ?? []);
    for (const cell of notebook.widgets) {
      const status = shown.get(cell.model.id);
      if (!active || !status || cell.model.type !== 'code') {
        clear(cell);
        continue;
      }
      const look = LOOK[status.status];
      const badge = part(cell, 'reflow-badge');
      badge.textContent = `${look.icon} ${look.word}`;
      badge.dataset.status = status.status;
      badge.classList.toggle('reflow-earlier', status.earlier);
      // The reason shows on hover (CSS, so it also shows in screenshots) and is
      // what a screen reader reads for the badge.
      const before = status.earlier ? ' (an output from before this kernel session)' : '';
      const reason = `${look.word}${before}: ${status.reason}`;
      badge.dataset.reason = reason;
      badge.setAttribute('aria-label', reason);
      badge.setAttribute('role', 'note');
      cell.node.dataset.reflowStatus = status.status;

      const id = cell.model.id;
      let relation = '';
      let text = '';
      if (selected && id === selected.model.id) {
        relation = 'selected';
      } else if (id in parents) {
        relation = 'upstream';
        const names = parents[id].map(n => `\`${n}\``).join(', ');
        text = `\u2191 upstream: gives ${names || 'what the selected cell reads'}`;
      } else if (children.has(id)) {
        relation = 'downstream';
        const reads = this._connection.cells.get(id)?.parents[selected!.model.id] ?? [];
        const names = reads.map(n => `\`${n}\``).join(', ');
        text = `\u2193 downstream: reads ${names || 'from the selected cell'}`;
      }
      cell.node.classList.toggle('reflow-upstream', relation === 'upstream');
      cell.node.classList.toggle('reflow-downstream', relation === 'downstream');
      if (relation) {
        cell.node.dataset.reflowRelation = relation;
      } else {
        delete cell.node.dataset.reflowRelation;
      }
      const label = part(cell, 'reflow-relation');
      label.textContent = text;
      label.hidden = !text;
    }
  }

  private _panel: NotebookPanel;
  private _connection: Connection;
  private _statuses: Statuses;
}

/** The badge or the relation label of a cell, made on first use. */
function part(cell: Cell, name: string): HTMLElement {
  let node = cell.node.querySelector(`:scope > .${name}`) as HTMLElement | null;
  if (!node) {
    node = document.createElement('div');
    node.className = name;
    cell.node.appendChild(node);
  }
  return node;
}

function clear(cell: Cell): void {
  for (const name of ['reflow-badge', 'reflow-relation']) {
    cell.node.querySelector(`:scope > .${name}`)?.remove();
  }
  cell.node.classList.remove('reflow-upstream', 'reflow-downstream');
  delete cell.node.dataset.reflowStatus;
  delete cell.node.dataset.reflowRelation;
}

/** Mode and direction switches, and what the last run ended with. */
export class Toolbar extends Widget {
  constructor(connection: Connection, runner: Runner) {
    super();
    this._connection = connection;
    this.addClass('reflow-toolbar');
    // The other setting than the one shown when clicked, applied after the runs asked
    // for before the click (Runner.settings).
    this._mode = button('reflow-mode', () =>
      void runner.settings({ mode: connection.mode === 'reactive' ? 'lazy' : 'reactive' })
    );
    this._direction = button('reflow-direction', () =>
      void runner.settings({
        direction: connection.direction === 'in_order' ? 'any_order' : 'in_order'
      })
    );
    this._message = document.createElement('span');
    this._message.className = 'reflow-message';
    this.node.append(this._mode, this._direction, this._message);
    runner.messageChanged.connect((_, text) => {
      this._message.textContent = text;
      this._message.title = text;
    });
  }

  refresh(): void {
    const { mode, direction } = this._connection;
    this._mode.textContent = mode === 'reactive' ? '\u26A1 reactive' : '\u23F8 lazy';
    this._mode.dataset.mode = mode;
    this._mode.title =
      mode === 'reactive'
        ? 'Reactive: running a cell re-runs the cells that read what it changed. Click for lazy.'
        : 'Lazy: running a cell marks its readers stale (Space runs them). Click for reactive.';
    this._direction.textContent = direction === 'in_order' ? '\u2193 in order' : '\u21C5 any order';
    this._direction.dataset.direction = direction;
    this._direction.title =
      direction === 'in_order'
        ? 'In order: a cell reads the cells above it, as in Jupyter. Click for any order.'
        : 'Any order: one cell defines each name, order follows the dependencies. Click for in order.';
  }

  private _connection: Connection;
  private _mode: HTMLButtonElement;
  private _direction: HTMLButtonElement;
  private _message: HTMLSpanElement;
}

function button(name: string, onClick: () => void): HTMLButtonElement {
  const node = document.createElement('button');
  node.className = `jp-ToolbarButtonComponent ${name}`;
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}
