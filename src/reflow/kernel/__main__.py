"""``python -m reflow.kernel -f CONNECTION_FILE``: what the kernelspec starts."""

import gc

from ipykernel.kernelapp import IPKernelApp

from reflow.kernel.kernel import ReflowKernel


def launch() -> None:
    """Start the kernel, with what the imports made kept out of the cycle collector.

    IPython, ipykernel, zmq and reflow leave about 40,000 objects (modules, classes,
    functions) that live as long as the process and that every full collection would
    walk again: 25-35 ms of a 50-60 ms pause in a pandas session, paid at an arbitrary
    cell. ``gc.freeze`` moves them to the permanent generation. It runs before the
    application builds the shell, so the user's namespace and everything a cell makes
    stay collectable and visible to ``gc.get_referrers``.
    """
    gc.freeze()
    IPKernelApp.launch_instance(kernel_class=ReflowKernel)


if __name__ == "__main__":
    launch()
