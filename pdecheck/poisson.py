"""The Poisson-field flow (PFGM): point charges on the hyperplane z = 0 of R^{N}, N = d + 1.

Public names:

- :class:`PoissonField` — ``PoissonField(data, augmented=True)`` for point-charge data
  ρ = Σ w_i δ_{y_i} in R^d (CATALOGUE B.6): ``field(x, z)`` = (E_x, E_z), ``hyperplane_density(z)``
  (P1), ``velocity`` dx/dz = E_x/E_z as a field with z as time (P2, compiled), ``prior(z)`` and
  ``sample_prior`` (P3, radius law), ``tail_bound`` (mass outside a ball, O(z/R)),
  ``hemisphere_flux`` (P4, d = 1, 2), ``cdf`` (P5, d = 1). ``augmented=False`` is the field in
  R^d itself (exponent d, S_{d−1}), without the extra dimension: the variant whose field lines
  collapse onto modes.
- :class:`PoissonKernelMixture` — Σ w_i P_z(x − y_i), the density p_z on the plane at height z.

Sign and scale: E(x̃) = S_{N−1}^{−1} Σ w_i (x̃ − ỹ_i)/|x̃ − ỹ_i|^N points **away** from the data
and ∇·E = ρ δ(z) (the physical field; PFGM regresses −E/|E|). S_{N−1} = 2π^{N/2}/Γ(N/2).

High dimension (CIFAR: d = 3072): Γ(N/2) overflows from N = 343 and |x̃ − ỹ|^N long before, so
the field works in logs, log S_{N−1} = log 2 + (N/2) log π − log Γ(N/2), and scales the charges
by the nearest one, as the compiled velocity does: E is finite wherever it is representable and
the velocity E_x/E_z, where S_{N−1} and the scale cancel, everywhere off the hyperplane.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from pdecheck._validate import (
    _short,
    as_generator,
    as_points,
    as_real,
    check_count,
    check_finite,
    check_positive,
)
from pdecheck.densities import Density, PointMixture, PoissonKernel
from pdecheck.densities.mixtures import _Mixture, softmax_rows
from pdecheck.fields import CompiledField

__all__ = [
    "PoissonField",
    "PoissonKernelMixture",
    "PoissonVelocity",
    "log_sphere_area",
    "sphere_area",
]

Array = NDArray[np.float64]


def log_sphere_area(n: int) -> float:
    """log S_{n−1} = log 2 + (n/2) log π − log Γ(n/2), finite for every n >= 1 (S_{n−1} itself
    underflows and Γ(n/2) overflows from n = 343)."""
    return float(math.log(2.0) + (n / 2) * math.log(math.pi) - special.gammaln(n / 2))


def sphere_area(n: int) -> float:
    """S_{n−1} = 2π^{n/2}/Γ(n/2), the area of the unit sphere in R^n (0.0 where it underflows,
    from n ≈ 1300: use :func:`log_sphere_area`)."""
    return math.exp(log_sphere_area(n))


def _heights(z: ArrayLike, n: int) -> Array:
    """z as one height per point, shape (n,): a finite real scalar or an (n,) array matching
    the n points of x; anything else raises naming z, its value and the rule."""
    zz = check_finite("z", z)
    if zz.ndim == 0:
        return np.full(n, float(zz))
    if zz.shape != (n,):
        raise ValueError(
            f"z={_short(z)} has shape {zz.shape}; the rule is a scalar or one height per point "
            f"of x, shape ({n},)"
        )
    return zz


class PoissonKernelMixture(_Mixture):
    """p_z(x) = Σ w_i P_z(x − y_i) with the half-space Poisson kernel P_z of
    :class:`~pdecheck.densities.PoissonKernel` (CATALOGUE P1): ∫ p_z = 1 for every z > 0.
    Cauchy tails: no mean or covariance. ``charges`` (k,) or (k, d) and ``weights`` (k,) are
    checked as a :class:`~pdecheck.densities.PointMixture`'s are (finite; weights >= 0 summing
    to 1; equal weights when None)."""

    def __init__(self, z: float, charges: ArrayLike, weights: ArrayLike | None = None) -> None:
        self.z = float(check_positive("z", z))
        self._init_components(charges, weights, "charges")
        self.charges = self.centres
        self.parts = [PoissonKernel(self.z, self.dim, y) for y in self.charges]

    def __repr__(self) -> str:
        return f"PoissonKernelMixture(z={self.z:g}, k={len(self.parts)}, dim={self.dim})"

    def _log_parts(self, x: ArrayLike) -> Array:
        pts, _ = self._points(x)
        with np.errstate(divide="ignore"):
            logw = np.log(self.weights)
        return np.stack(
            [lw + p.logpdf(pts) for lw, p in zip(logw, self.parts, strict=True)], axis=1
        )

    def logpdf(self, x: ArrayLike) -> Array:
        return np.asarray(special.logsumexp(self._log_parts(x), axis=1), dtype=float)

    def score(self, x: ArrayLike) -> Array:
        pts, flat = self._points(x)
        lp = self._log_parts(pts)
        r = softmax_rows(lp)
        out = sum(r[:, [i]] * p.score(pts).reshape(pts.shape) for i, p in enumerate(self.parts))
        out = np.asarray(out, dtype=float)
        return out[:, 0] if flat else out

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        """Exact in 1-D (arctan differences, CATALOGUE P5)."""
        return np.asarray(
            sum(
                w * p.box_probability(lower, upper)
                for w, p in zip(self.weights, self.parts, strict=True)
            ),
            dtype=float,
        )

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        idx = rng.choice(self.charges.shape[0], size=n, p=self.weights)
        g = rng.standard_normal((n, self.dim))
        chi = np.abs(rng.standard_normal((n, 1)))
        return self.charges[idx] + self.z * g / chi

    def mean(self) -> Array:
        raise ValueError(f"{self!r} has Cauchy tails and no mean")

    def cov(self) -> Array:
        raise ValueError(f"{self!r} has Cauchy tails and no covariance")

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        """A box holding all but ``tol``: each charge's ball of radius R(tol) (P3 radius law)."""
        boxes = [p.bounds(tol) for p in self.parts]
        return np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)


class PoissonVelocity:
    """dx/dz = E_x/E_z, the field-line ODE of the Poisson field with z as time (CATALOGUE P2):
    ∂_z p_z + ∇·(p_z v) = 0, so it carries p_z from z → 0 (the data) to any z_max exactly."""

    def __init__(self, owner: PoissonField) -> None:
        self.owner = owner
        self.dim = owner.d

    def __repr__(self) -> str:
        return f"PoissonVelocity({self.owner!r})"

    def __call__(self, z: float, x: ArrayLike) -> Array:
        """v = E_x/E_z at height z, one real number with 0 < z < ∞."""
        zz = as_real("z", z)
        if not 0.0 < zz < math.inf:
            raise ValueError(
                f"z={z!r}: the field-line velocity E_x/E_z is defined for finite z > 0 only"
            )
        return self.owner._velocity(x, zz)

    def compiled(self) -> CompiledField:
        """``pdecheck._jit.poisson.poisson_velocity`` with [N, k, w, y]."""
        from pdecheck._jit.poisson import poisson_velocity

        o = self.owner
        params = np.concatenate([[float(o.N), float(o.weights.size)], o.weights, o.charges.ravel()])
        return CompiledField(poisson_velocity, np.ascontiguousarray(params), o.d)


class PoissonField:
    """The electric field of point charges w_i at y_i (data ρ on z = 0), CATALOGUE B.6.

    ``data`` is a :class:`~pdecheck.densities.PointMixture` (or an array of points, equal
    weights). With ``augmented=True`` (PFGM) the space is R^{d+1} and x̃ = (x, z); with
    ``augmented=False`` it is R^d itself, with exponent d and S_{d−1}.
    """

    def __init__(self, data: PointMixture | ArrayLike, *, augmented: bool = True) -> None:
        if not isinstance(data, PointMixture):
            if isinstance(data, Density):
                raise TypeError(
                    f"data={data!r} must be a PointMixture (point charges) or an array of points"
                )
            data = PointMixture(data)
        self.data = data
        self.charges, self.weights = data.points, data.weights
        self.d = data.dim
        self.augmented = bool(augmented)
        self.N = self.d + 1 if self.augmented else self.d
        self.log_area = log_sphere_area(self.N)
        self.velocity = PoissonVelocity(self)

    def __repr__(self) -> str:
        return f"PoissonField(k={self.weights.size}, d={self.d}, augmented={self.augmented})"

    def _require_augmented(self, what: str) -> None:
        if not self.augmented:
            raise ValueError(f"{what} needs the extra dimension z; this field has augmented=False")

    def field(self, x: ArrayLike, z: ArrayLike | None = None) -> Any:
        """E at (x, z): returns (E_x of shape (n, d), E_z of shape (n,)). For augmented=False,
        E(x) of shape (n, d) in R^d (z must be None). z may be a scalar or one value per row."""
        pts, _ = as_points("x", x, self.d)
        if self.augmented:
            if z is None:
                raise ValueError("z=None: the augmented field needs the height z of each point")
            zz = _heights(z, pts.shape[0])
        else:
            if z is not None:
                raise ValueError(f"z={_short(z)}: a field without the extra dimension takes no z")
            zz = np.zeros(pts.shape[0])
        dev, q, log_scale = self._charges(pts, zz)
        scale = np.exp(log_scale)
        ex = np.einsum("nk,nkd->nd", q, dev) * scale[:, None]
        if not self.augmented:
            return ex
        return ex, zz * q.sum(axis=1) * scale

    def _charges(self, pts: Array, zz: Array) -> tuple[Array, Array, Array]:
        """(x − y_i (n, k, d), q̂_i (n, k), log c (n,)) with the charges' weights in the field
        w_i |x̃ − ỹ_i|^{−N}/S_{N−1} = c q̂_i, q̂_i = w_i (r_i²/r_min²)^{−N/2} <= w_i and
        log c = −(N/2) log r_min² − log S_{N−1}: nothing overflows (module docstring)."""
        dev = pts[:, None, :] - self.charges[None, :, :]
        with np.errstate(divide="ignore"):
            log_r2 = np.log(np.sum(dev**2, axis=2) + zz[:, None] ** 2)
        low = np.min(log_r2, axis=1, keepdims=True)
        q = self.weights * np.exp(-(self.N / 2) * (log_r2 - low))
        return dev, q, -(self.N / 2) * low[:, 0] - self.log_area

    def _velocity(self, x: ArrayLike, z: float) -> Array:
        """E_x/E_z = Σ q̂_i (x − y_i) / (z Σ q̂_i): S_{N−1} and the scale c cancel (CATALOGUE P2)."""
        self._require_augmented("the field-line velocity E_x/E_z")
        pts, _ = as_points("x", x, self.d)
        dev, q, _ = self._charges(pts, np.full(pts.shape[0], z))
        return np.asarray(np.einsum("nk,nkd->nd", q, dev) / (z * q.sum(axis=1))[:, None])

    def hyperplane_density(self, z: float) -> PoissonKernelMixture:
        """p_z = 2 E_z(·, z) = Σ w_i P_z(x − y_i), C_d = Γ((d+1)/2)/π^{(d+1)/2} = 2/S_d (P1)."""
        self._require_augmented("hyperplane_density")
        return PoissonKernelMixture(z, self.charges, self.weights)

    def prior(self, z: float) -> PoissonKernel:
        """PFGM's prior at z = z_max: the field of a unit point charge at the origin, P_z (P3);
        it differs from p_z by O(|y|/z) for data near the origin."""
        self._require_augmented("prior")
        return PoissonKernel(z, self.d)

    def sample_prior(self, n: int, z: float, rng: Any) -> Array:
        """n draws of the prior: |x|²/z² ~ BetaPrime(d/2, ½) in a uniform direction (P3)."""
        gen = as_generator(rng)
        n = check_count("n", n)
        u = gen.beta(self.d / 2, 0.5, size=n)
        radius = float(check_positive("z", z)) * np.sqrt(u / (1.0 - u))
        direction = gen.standard_normal((n, self.d))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        return radius[:, None] * direction

    def tail_bound(self, z: float, radius: float) -> float:
        """Upper bound on the mass of p_z outside the ball |x| <= R: Σ w_i P(|X − y_i| > R −
        |y_i|), ≈ c_d z/R (CATALOGUE P3; exact for one charge at the origin)."""
        R = float(check_positive("radius", radius))
        reach = np.linalg.norm(self.charges, axis=1)
        if np.any(reach >= R):
            raise ValueError(f"radius={R!r} must exceed the largest |y_i| = {reach.max():.6g}")
        kernel = PoissonKernel(z, self.d)
        return float(self.weights @ kernel.tail_probability(R - reach))

    def cdf(self, z: float, x: ArrayLike) -> Array:
        """F_z(x) = Σ w_i (½ + arctan((x − y_i)/z)/π) in d = 1 (CATALOGUE P5)."""
        if self.d != 1:
            raise ValueError(f"cdf is defined for d = 1 only; this field has d={self.d}")
        xx = np.asarray(x, dtype=float)
        dev = (xx[..., None] - self.charges[:, 0]) / float(check_positive("z", z))
        return np.asarray((0.5 + np.arctan(dev) / math.pi) @ self.weights, dtype=float)

    def hemisphere_flux(self, radius: float) -> float:
        """∫ E·n dA over the upper half-sphere |x̃| = r, z > 0, by quadrature (CATALOGUE P4:
        exactly ½ when every charge lies inside). d = 1 and 2 only."""
        from scipy import integrate

        self._require_augmented("hemisphere_flux")
        r = float(check_positive("radius", radius))

        def flux_density(xs: Array, zs: float) -> float:
            ex, ez = self.field(xs.reshape(1, -1), zs)
            return float((ex[0] @ xs + ez[0] * zs) / r)

        if self.d == 1:
            return float(
                integrate.quad(
                    lambda th: flux_density(np.array([r * math.cos(th)]), r * math.sin(th)) * r,
                    0,
                    math.pi,
                    limit=200,
                )[0]
            )
        if self.d == 2:

            def integrand(phi: float, th: float) -> float:
                xs = r * math.sin(th) * np.array([math.cos(phi), math.sin(phi)])
                return flux_density(xs, r * math.cos(th)) * r**2 * math.sin(th)

            return float(
                integrate.dblquad(integrand, 0, math.pi / 2, 0, 2 * math.pi, epsabs=1e-12)[0]
            )
        raise ValueError(f"hemisphere_flux is implemented for d = 1, 2; this field has d={self.d}")
