"""Compiled (Numba) building blocks shared by the grid and particle kernels.

Nothing here is imported by ``import pdecheck``; every module is loaded on first use, and every
kernel is compiled with ``cache=True`` so that a second process loads it from disk.
"""
