/**
 * reflow for JupyterLab 4 and Notebook 7: cell statuses and their reasons,
 * dependency highlights, reactive runs from the usual keys, the graph saved
 * in the notebook. Active only for notebooks on the reflow kernel (kernelspec
 * `reflow`); other notebooks are left exactly as they are.
 */

import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

import { Connection } from './connection';
import { Runner, RunKind } from './runner';
import { METADATA_KEY, Statuses } from './statuses';
import { View } from './view';

const ACTIVE = '.jp-Notebook.reflow-active';
const EDIT = `${ACTIVE}.jp-mod-editMode`;
const COMMAND = `${ACTIVE}.jp-mod-commandMode:not(.jp-mod-readWrite) :focus`;

/** Everything reflow keeps for one open notebook. */
interface IReflowNotebook {
  connection: Connection;
  statuses: Statuses;
  runner: Runner;
  view: View;
}

const notebooks = new WeakMap<NotebookPanel, IReflowNotebook>();

function attach(panel: NotebookPanel): void {
  const connection = new Connection(panel);
  const statuses = new Statuses(panel, connection);
  const runner = new Runner(panel, connection, statuses);
  const view = new View(panel, connection, statuses, runner);
  notebooks.set(panel, { connection, statuses, runner, view });
  void panel.context.ready.then(() => {
    statuses.loadSaved();
    view.render();
  });
  panel.context.saveState.connect((_, state) => {
    // The graph goes into the file with every save, and only then: reflow
    // never marks a notebook changed, so it never causes an autosave.
    if (state === 'started' && connection.isReflow && connection.cells.size > 0) {
      panel.model?.setMetadata(METADATA_KEY, statuses.toSave() as any);
    }
  });
  panel.disposed.connect(() => {
    connection.dispose();
    notebooks.delete(panel);
  });
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'reflow:plugin',
  description: 'Reactive notebooks on the reflow kernel: statuses, highlights, reactive runs.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, palette: ICommandPalette | null) => {
    tracker.widgetAdded.connect((_, panel) => attach(panel));
    tracker.forEach(panel => attach(panel));

    const current = (): [NotebookPanel, IReflowNotebook] | null => {
      const panel = tracker.currentWidget;
      const found = panel ? notebooks.get(panel) : undefined;
      return panel && found && found.connection.isReflow ? [panel, found] : null;
    };
    const isEnabled = (): boolean => current() !== null;

    const run = (kind: RunKind, advance: boolean): void => {
      const found = current();
      if (!found) {
        return;
      }
      const [panel, { runner }] = found;
      const notebook = panel.content;
      const cell = notebook.activeCell;
      if (!cell) {
        return;
      }
      if (kind !== 'stale' && cell.model.type !== 'code') {
        // Markdown and raw cells: what Jupyter does with them.
        void app.commands.execute(
          advance ? 'notebook:run-cell-and-select-next' : 'notebook:run-cell'
        );
        return;
      }
      void runner.run(kind, kind === 'stale' ? null : cell.model.id);
      if (kind === 'stale') {
        return;
      }
      notebook.deselectAll();
      notebook.mode = 'command';
      if (advance) {
        if (notebook.activeCellIndex === notebook.widgets.length - 1) {
          NotebookActions.insertBelow(notebook);
          notebook.mode = 'edit';
        } else {
          notebook.activeCellIndex++;
        }
      }
    };

    app.commands.addCommand('reflow:run-reactive', {
      label: 'Run Cell Reactively (reflow)',
      caption: 'Run the cell after what it needs, then the cells that read what it changed',
      isEnabled,
      execute: () => run('reactive', true)
    });
    app.commands.addCommand('reflow:run-alone', {
      label: 'Run Cell Alone (reflow)',
      caption: 'Run only this cell; the cells that read what it changed go stale',
      isEnabled,
      execute: () => run('alone', false)
    });
    app.commands.addCommand('reflow:run-stale', {
      label: 'Run All Stale Cells (reflow)',
      isEnabled,
      execute: () => run('stale', false)
    });
    app.commands.addCommand('reflow:toggle-mode', {
      label: 'Switch Reactive/Lazy (reflow)',
      isEnabled,
      execute: () => {
        const found = current();
        if (found) {
          const { connection, runner } = found[1];
          void runner.settings({ mode: connection.mode === 'reactive' ? 'lazy' : 'reactive' });
        }
      }
    });
    app.commands.addCommand('reflow:toggle-direction', {
      label: 'Switch In Order/Any Order (reflow)',
      isEnabled,
      execute: () => {
        const found = current();
        if (found) {
          const { connection, runner } = found[1];
          void runner.settings({
            direction: connection.direction === 'in_order' ? 'any_order' : 'in_order'
          });
        }
      }
    });

    // More specific than Jupyter's own bindings for the same keys, so they win
    // in reflow notebooks and only there. Ctrl+Shift+Enter on every system,
    // Cmd+Shift+Enter on a Mac too.
    for (const selector of [EDIT, COMMAND]) {
      app.commands.addKeyBinding({ command: 'reflow:run-reactive', keys: ['Shift Enter'], selector });
      for (const keys of [['Ctrl Shift Enter'], ['Accel Shift Enter']]) {
        app.commands.addKeyBinding({ command: 'reflow:run-alone', keys, selector });
      }
    }
    for (const command of [
      'reflow:run-reactive',
      'reflow:run-alone',
      'reflow:run-stale',
      'reflow:toggle-mode',
      'reflow:toggle-direction'
    ]) {
      palette?.addItem({ command, category: 'reflow' });
    }
    app.commands.addKeyBinding({ command: 'reflow:run-stale', keys: ['Space'], selector: COMMAND });
  }
};

export default plugin;
