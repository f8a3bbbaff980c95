"""reflow as a Jupyter kernel: ``ReflowKernel`` (kernelspec ``reflow``), the
``%flow`` magics, the ``reflow`` comm protocol, and ``%load_ext reflow``.

Importing ``reflow`` never imports this package; it needs the ``kernel``
extra (ipykernel). See docs/kernel.md and docs/protocol.md.
"""
