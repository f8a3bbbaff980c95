"""``python -m reflow.kernel -f CONNECTION_FILE``: what the kernelspec starts."""

from ipykernel.kernelapp import IPKernelApp

from reflow.kernel.kernel import ReflowKernel

if __name__ == "__main__":
    IPKernelApp.launch_instance(kernel_class=ReflowKernel)
