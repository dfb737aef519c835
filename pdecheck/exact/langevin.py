"""Closed forms of Langevin sampling (seed score-sde-and-poisson-flow §2, §2.4, Algorithm 1).

- :func:`ula_contraction`, :func:`ula_stationary_std`, :func:`ula_gaussian_law` — the
  unadjusted Langevin chain x ← x + (ε/2)∇log p(x) + √ε z on p = N(m, diag s²) is the linear
  recursion x − m ← a (x − m) + √ε z with a = 1 − ε/(2s²); after n steps from N(m₀, s₀²) its law
  is N(m + aⁿ(m₀ − m), a²ⁿ s₀² + v(1 − a²ⁿ)) with stationary variance
  v = ε/(1 − a²) = s²/(1 − ε/(4s²)). It is stable iff 0 < ε < 4s².
- :func:`annealed_gaussian_law` — the exact law after annealed Langevin (Algorithm 1) on
  Gaussian data, level by level through :func:`ula_gaussian_law` on q_{σ_i}.
- :func:`perturbed` — q_σ = p_data ∗ N(0, σ²I) for point masses, Gaussian mixtures and
  Gaussians (seed §2.4): a Gaussian mixture with variances s_k² + σ², whose ``score`` is
  ∇log q_σ.
- :class:`GibbsDensity` — the stationary density exp(−U/D)/Z of dX = −∇U dt + √(2D) dW on an
  interval, with the cell values that the Chang–Cooper scheme with face drift −ΔU/h keeps
  fixed exactly (FOKKER-PLANCK.md §5).

Registered cases: L5 (ULA on a Gaussian), L6 (perturbed point mixture as a heat flow in σ²),
L7 (double-well Gibbs density).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate

from pdecheck._validate import _short, check_finite, check_positive
from pdecheck.cases import Case, Problem, register
from pdecheck.densities import Density, Gaussian, GaussianMixture, PointMixture

__all__ = [
    "GibbsDensity",
    "annealed_gaussian_law",
    "perturbed",
    "ula_contraction",
    "ula_gaussian_law",
    "ula_stationary_std",
]

Array = NDArray[np.float64]


def _check_eps(eps: float, std: Array) -> float:
    e = float(check_positive("eps", eps))
    limit = 4.0 * float(np.min(std)) ** 2
    if not e < limit:
        raise ValueError(
            f"eps={e!r} must be < 4 s² = {limit:.6g}: beyond it the Langevin chain on a Gaussian "
            "of standard deviation s diverges (|1 − ε/(2s²)| >= 1)"
        )
    return e


def ula_contraction(std: ArrayLike, eps: float) -> Array:
    """a = 1 − ε/(2s²), the one-step autocorrelation of ULA on N(m, s²) per coordinate."""
    s = np.atleast_1d(check_positive("std", std))
    return 1.0 - _check_eps(eps, s) / (2.0 * s**2)


def ula_stationary_std(std: ArrayLike, eps: float) -> Array:
    """Standard deviation of ULA's stationary law on N(m, s²): s / √(1 − ε/(4s²))."""
    s = np.atleast_1d(check_positive("std", std))
    e = _check_eps(eps, s)
    return np.asarray(s / np.sqrt(1.0 - e / (4.0 * s**2)), dtype=float)


def ula_gaussian_law(target: Gaussian, eps: float, start: Gaussian, n_steps: int) -> Gaussian:
    """Exact law after ``n_steps`` ULA steps on ``target`` from ``start`` (module docstring)."""
    if start.dim != target.dim:
        raise ValueError(
            f"start has dim={start.dim} but target has dim={target.dim}; they must agree"
        )
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 0:
        raise ValueError(f"n_steps={n_steps!r} must be a non-negative integer")
    a = ula_contraction(target.std, eps)
    v = ula_stationary_std(target.std, eps) ** 2
    an = a ** int(n_steps)
    mean = target.loc + an * (start.loc - target.loc)
    var = an**2 * start.std**2 + v * (1.0 - an**2)
    return Gaussian(mean, np.sqrt(var))


def annealed_gaussian_law(
    data: Gaussian,
    sigmas: ArrayLike,
    steps: ArrayLike,
    n_steps: int,
    start: Gaussian,
) -> Gaussian:
    """Exact law after annealed Langevin (seed Algorithm 1) on Gaussian data: ``n_steps`` ULA
    steps of size ``steps[i]`` on q_{σ_i} = N(m, s² + σ_i²) for each level in turn."""
    law = start
    for sigma, alpha in zip(np.atleast_1d(sigmas), np.atleast_1d(steps), strict=True):
        q = perturbed(data, float(sigma))
        assert isinstance(q, Gaussian)
        law = ula_gaussian_law(q, float(alpha), law, n_steps)
    return law


def perturbed(data: Density, sigma: float) -> Density:
    """q_σ = p_data ∗ N(0, σ²I) (seed §2.4): a Gaussian for Gaussian data, otherwise a Gaussian
    mixture with standard deviations √(s_k² + σ²) (s_k = 0 for point masses)."""
    s = float(check_positive("sigma", sigma))
    if isinstance(data, Gaussian):
        return Gaussian(data.loc, np.sqrt(data.std**2 + s**2))
    if isinstance(data, PointMixture):
        return GaussianMixture(data.points, s, data.weights)
    if isinstance(data, GaussianMixture):
        return GaussianMixture(data.means, np.sqrt(data.stds**2 + s**2), data.weights)
    raise TypeError(
        f"data={data!r}: q_σ has a closed form for Gaussian, PointMixture and "
        "GaussianMixture data only"
    )


class GibbsDensity(Density):
    """p(x) = exp(−U(x)/D)/Z on [lower, upper] (1-D): the stationary density of
    dX = −U'(x) dt + √(2D) dW with reflecting walls (FOKKER-PLANCK.md §5).

    ``potential`` is a vectorised U; ``force`` (optional) is −U', used for the score
    −U'/D. Z is computed by adaptive quadrature (relative accuracy 1e-12).
    """

    def __init__(
        self,
        potential: Callable[[Array], ArrayLike],
        D: float,
        lower: float,
        upper: float,
        force: Callable[[Array], ArrayLike] | None = None,
    ) -> None:
        self.dim = 1
        self.potential = potential
        self.force = force
        self.D = float(check_positive("D", D))
        self.lower, self.upper = (float(v) for v in check_finite("(lower, upper)", [lower, upper]))
        if not self.upper > self.lower:
            raise ValueError(f"(lower, upper)=({lower!r}, {upper!r}): need upper > lower")
        grid = np.linspace(self.lower, self.upper, 1025)
        self._u_min = float(np.min(self._u(grid)))
        z, _ = integrate.quad(
            self._unnormalised, self.lower, self.upper, epsabs=0.0, epsrel=1e-12, limit=200
        )
        self.log_z = float(np.log(z)) - self._u_min / self.D

    def __repr__(self) -> str:
        return f"GibbsDensity(D={self.D:g}, [{self.lower:g}, {self.upper:g}])"

    def _u(self, x: Array) -> Array:
        u = check_finite("potential(x)", np.asarray(self.potential(x), dtype=float))
        if u.shape != np.shape(x):
            raise ValueError(
                f"potential returned shape {u.shape} for x of shape {np.shape(x)}; they must agree"
            )
        return u

    def _unnormalised(self, x: float) -> float:
        return float(np.exp(-(self._u(np.array([x]))[0] - self._u_min) / self.D))

    def logpdf(self, x: ArrayLike) -> Array:
        pts, _ = self._points(x)
        inside = (pts[:, 0] >= self.lower) & (pts[:, 0] <= self.upper)
        val = -self._u(pts[:, 0]) / self.D - self.log_z
        return np.where(inside, val, -np.inf)

    def score(self, x: ArrayLike) -> Array:
        if self.force is None:
            raise TypeError("GibbsDensity.score needs force=−U' (pass it on construction)")
        pts, flat = self._points(x)
        out = np.asarray(self.force(pts[:, 0]), dtype=float).reshape(-1, 1) / self.D
        return out[:, 0] if flat else out

    def box_probability(self, lower: ArrayLike, upper: ArrayLike) -> Array:
        lo, hi = self._boxes(lower, upper)
        a = np.clip(lo[:, 0], self.lower, self.upper)
        b = np.clip(hi[:, 0], self.lower, self.upper)
        scale = np.exp(-self._u_min / self.D - self.log_z)
        return np.array(
            [
                scale * integrate.quad(self._unnormalised, ai, bi, epsabs=0.0, epsrel=1e-12)[0]
                if bi > ai
                else 0.0
                for ai, bi in zip(a, b, strict=True)
            ]
        )

    def cell_values(self, centres: ArrayLike) -> Array:
        """exp(−U(x_i)/D) normalised so that h Σ p_i = 1 on a uniform grid of cell centres: the
        discrete steady state of Chang–Cooper with face drift −(U_{i+1} − U_i)/h."""
        c = check_finite("centres", centres).reshape(-1)
        if c.size < 2 or not np.allclose(np.diff(c), c[1] - c[0], rtol=1e-9, atol=0.0):
            raise ValueError(f"centres={_short(c)} must be >= 2 uniformly spaced cell centres")
        u = self._u(c)
        w = np.exp(-(u - u.min()) / self.D)
        return np.asarray(w / (w.sum() * (c[1] - c[0])), dtype=float)

    def _sample(self, n: int, rng: np.random.Generator) -> Array:
        # inverse CDF on a fine table of the cumulative mass
        x = np.linspace(self.lower, self.upper, 4097)
        mass = self.box_probability(x[:-1], x[1:])
        cdf = np.concatenate([[0.0], np.cumsum(mass)])
        return np.interp(rng.random(n) * cdf[-1], cdf, x).reshape(-1, 1)

    def bounds(self, tol: float = 1e-12) -> tuple[Array, Array]:
        return np.array([self.lower]), np.array([self.upper])


# -- registered cases -----------------------------------------------------------------------
#: L5 parameters: target N(M, S²), start N(M0, S0²), ULA step EPS
L5_TARGET, L5_START, L5_EPS = Gaussian(0.5, 0.8), Gaussian(-1.0, 0.3), 0.1


def _build_l5() -> Problem:
    """ULA is Euler–Maruyama with step ε on dX = ½∇log p dt + dW, whose law is OU (CATALOGUE S1)."""
    m, s = float(L5_TARGET.loc[0]), float(L5_TARGET.std[0])
    m0, s0 = float(L5_START.loc[0]), float(L5_START.std[0])

    def drift(t: float, x: Array) -> Array:
        return 0.5 * L5_TARGET.score(x).reshape(x.shape)

    def marginal(t: float) -> Density:
        decay = np.exp(-t / (2.0 * s**2))
        return Gaussian(m + decay * (m0 - m), np.sqrt(decay**2 * s0**2 + s**2 * (1.0 - decay**2)))

    notes = {
        "eps": L5_EPS,
        "ula_stationary_std": float(ula_stationary_std(s, L5_EPS)[0]),
        "stationary": L5_TARGET,
    }
    return Problem(
        drift=drift,
        initial=L5_START,
        t_span=(0.0, 20.0),
        diffusion=lambda t: 1.0,
        marginal=marginal,
        notes=notes,
    )


L6_DATA = PointMixture([-1.0, 0.5, 2.0], [0.3, 0.5, 0.2])


def _build_l6() -> Problem:
    """q_σ of point data solves the heat equation ∂_t q = ½Δq in t = σ² (dX = dW)."""

    def drift(t: float, x: Array) -> Array:
        return np.zeros_like(x)

    def marginal(t: float) -> Density:
        return perturbed(L6_DATA, float(np.sqrt(t)))

    return Problem(
        drift=drift,
        initial=marginal(0.04),
        t_span=(0.04, 1.0),
        diffusion=lambda t: 1.0,
        marginal=marginal,
        notes={"data": L6_DATA},
    )


def double_well(x: Array) -> Array:
    """U(x) = (x² − 1)², the potential of case L7."""
    return np.asarray((x**2 - 1.0) ** 2, dtype=float)


def double_well_force(x: Array) -> Array:
    """−U'(x) = −4x(x² − 1)."""
    return np.asarray(-4.0 * x * (x**2 - 1.0), dtype=float)


L7_D = 0.25


def _build_l7() -> Problem:
    gibbs = GibbsDensity(double_well, L7_D, -2.5, 2.5, force=double_well_force)

    def drift(t: float, x: Array) -> Array:
        return double_well_force(x)

    return Problem(
        drift=drift,
        initial=Gaussian(0.0, 0.5),
        t_span=(0.0, 10.0),
        diffusion=lambda t: float(np.sqrt(2.0 * L7_D)),
        marginal=None,
        domain=(np.array([-2.5]), np.array([2.5])),
        notes={"stationary": gibbs, "potential": double_well},
    )


register(
    Case(
        "L5",
        "ULA on N(0.5, 0.8²): stationary law N(m, s²/(1 − ε/4s²))",
        "the step-size bias is exact and small; the chain's autocorrelation is 1 − ε/(2s²)",
        "fokker-planck",
        1,
        _build_l5,
        {"eps": L5_EPS},
        ("exact", "particles"),
    )
)
register(
    Case(
        "L6",
        "perturbed point data q_σ = p_data ∗ N(0, σ²), σ from 0.2 to 1",
        "narrow components at small σ; the score switches sharply between points",
        "heat",
        1,
        _build_l6,
    )
)
register(
    Case(
        "L7",
        "double well U = (x² − 1)², D = 1/4: stationary exp(−U/D)/Z",
        "bimodal; particles cross the barrier rarely (Kramers time ~ e^{1/D})",
        "fokker-planck",
        1,
        _build_l7,
    )
)
