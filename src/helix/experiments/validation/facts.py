"""The published regularities the model is held against, each with its source, its
tolerance (chosen before looking at the model) and why."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    """A published regularity and how the model is held against it."""

    id: str
    name: str
    statistic: str
    citation: str
    published: float
    tolerance: float
    # "within": |sim - pub| <= tol; "log10": |log10(sim / pub)| <= tol; "above": sim >= pub + tol
    # (a source that publishes a direction, and the margin by which the model must show it)
    comparison: str
    why: str

    def passes(self, value: float | None) -> bool:
        """Whether a simulated value agrees with the published one."""
        if value is None or not math.isfinite(value):
            return False
        slack = self.tolerance * (1 + 1e-9)  # a value exactly on the band's edge passes
        if self.comparison == "log10":
            return value > 0 and abs(math.log10(value / self.published)) <= slack
        if self.comparison == "above":
            return value >= self.published + self.tolerance * (1 - 1e-9)
        return abs(value - self.published) <= slack

    def band(self) -> tuple[float, float]:
        """The range of simulated values that pass."""
        if self.comparison == "log10":
            return self.published / 10**self.tolerance, self.published * 10**self.tolerance
        if self.comparison == "above":
            return self.published + self.tolerance, math.inf
        return self.published - self.tolerance, self.published + self.tolerance

    def shown_tolerance(self) -> str:
        """The tolerance as a table shows it beside the published value."""
        if self.comparison == "log10":
            return f"×/÷ 10^{self.tolerance:g}"
        if self.comparison == "above":
            return f"+ at least {self.tolerance:g}"
        return f"± {self.tolerance:g}"


FOLLOW_UP_MONTHS = 72

FACTS: tuple[Fact, ...] = (
    Fact(
        "zipf_tail",
        "Heavy (Zipf) upper tail of firm sizes",
        "Hill estimate of the Pareto exponent of the employee-size CCDF, largest 5% of the"
        " firms alive in the last December",
        "Axtell, R. L. (2001). Zipf distribution of U.S. firm sizes. Science 293(5536),"
        " 1818-1820 (alpha = 1.059, s.e. 0.054); Fujiwara et al. (2004), Physica A 335:"
        " European firms, Pareto index near 1.",
        1.06,
        0.3,
        "within",
        "Axtell's standard error is 0.054, but his estimate is an OLS fit over all size bins of"
        " the US census, ours a Hill estimate on the largest 5% of a tech-only population, so we"
        " allow about five standard errors; a tail exponent outside 0.76-1.36 would be a"
        " clearly thinner (Gibrat-lognormal) or fatter tail than Zipf.",
    ),
    Fact(
        "tent_growth",
        "Tent-shaped (Laplace) annual growth rates",
        "Maximum-likelihood Subbotin shape b of annual log employee growth of firms alive in"
        " consecutive Decembers, demeaned by year (b = 1 Laplace, b = 2 Gaussian)",
        "Stanley, M. H. R. et al. (1996). Scaling behaviour in the growth of companies. Nature"
        " 379, 804-806; Bottazzi, G. & Secchi, A. (2006). Explaining the distribution of firm"
        " growth rates. RAND Journal of Economics 37(2), 235-256.",
        1.0,
        0.5,
        "within",
        "The published shape is Laplace (b = 1); half the distance to the Gaussian (b = 2) on"
        " either side separates a tent from a bell without asking for a precise exponent.",
    ),
    Fact(
        "volatility_size",
        "Growth volatility falls with size (a violation of Gibrat's law)",
        "Slope of log(sd of annual log growth) on log size across ten size classes: -beta in"
        " sd(g | S) ~ S^-beta",
        "Stanley, M. H. R. et al. (1996). Scaling behaviour in the growth of companies. Nature"
        " 379, 804-806 (beta = 0.15 +/- 0.03).",
        -0.15,
        0.1,
        "within",
        "Three standard errors of Stanley et al. plus room for the annual aggregation of the"
        " model's monthly shocks. Caveat: the model's monthly shock spread is built with"
        " size_exponent = 0.2 from this same source, so passing is weak evidence; what is tested"
        " is that hiring, funding and exits do not undo it at the annual horizon.",
    ),
    Fact(
        "survival_5y",
        "About half of new firms survive five years",
        "Share of firms founded during the run that have not failed 60 months after founding"
        " (acquired firms count as survivors)",
        "U.S. Bureau of Labor Statistics, Business Employment Dynamics: establishment age and"
        " survival (about 80% of new establishments survive one year, about half five years,"
        " about a third ten years); Knaup (2005), Monthly Labor Review 128(5): 44% of the 1998"
        " cohort survived four years.",
        0.5,
        0.1,
        "within",
        "BLS five-year survival varies by a few points between birth cohorts and by about ten"
        " between sectors (Knaup 2005: 38% to 55% at four years); 0.1 covers that range. The"
        " model's firms are tech startups in China, not all US establishments, which is a"
        " reason the fact may fail, not a reason to widen the band.",
    ),
    Fact(
        "seed_to_unicorn",
        "About 1% of seed-funded startups become unicorns",
        f"Share of startups first funded at least {FOLLOW_UP_MONTHS} months before the end of"
        " the run that were valued at $1B or more at some point",
        "CB Insights (2016, 2017), The venture capital funnel: 0.9% of US tech companies"
        " seed-funded in 2009-2010 reached a $1B+ valuation by late 2015; about 1% of the"
        " 2008-2010 cohort by 2017.",
        0.01,
        0.5,
        "log10",
        "A rare-event share known to about its order of magnitude: within half a decade"
        " (0.3% to 3%), which allows for China's larger late-stage rounds and a seven-to-nine-"
        "year US follow-up against our six.",
    ),
    Fact(
        "follow_on",
        "Fewer than half of seed-funded startups raise a second round",
        f"Share of startups first funded at least {FOLLOW_UP_MONTHS} months before the end of"
        " the run that raised at least one more round",
        "CB Insights (2016, 2017), The venture capital funnel: 40% (2009-2010 seeds) and 46%"
        " (1,098 US tech companies seeded 2008-2010) raised a second round.",
        0.46,
        0.15,
        "within",
        "CB Insights' own vintages span 40% to 54%; 0.15 covers that spread with a little room"
        " for the difference between the US and Chinese venture markets.",
    ),
    Fact(
        "vc_exit_share",
        "About a fifth of seed-funded startups exit by sale or listing within six years",
        f"Share of startups first funded at least {FOLLOW_UP_MONTHS} months before the end of"
        f" the run that were acquired (at any price, distress sales included) or listed within"
        f" {FOLLOW_UP_MONTHS} months of their first round",
        "CB Insights (2016), The venture capital funnel: 22% of US tech companies seed-funded in"
        " 2009-2010 exited through M&A or IPO by November 2015 (21% of the 2009 seed-VC vintage"
        " in the 2014 edition); CB Insights (2017): about 30% of the 2008-2010 seeds by February"
        " 2017, after seven to nine years. Hall & Woodward (2010), AER 100(3): most exits of"
        " VC-backed firms return little or nothing to founders (acqui-hires count here).",
        0.22,
        0.1,
        "within",
        "Set before looking at the calibrated model: the published vintages span 21% (five to six"
        " years) to 30% (seven to nine years); 0.1 around the six-year figure covers both, with"
        " the rest of the funnel (about 70-75% dead, zombie or self-sustaining) as the"
        " complement. US data against a Chinese market is a reason the fact may fail, not a"
        " reason to widen the band.",
    ),
    Fact(
        "vc_survival_gap",
        "VC-backed startups fail less than others in their first years",
        "Five-year survival (not failed; acquired firms survive) of startups counted from their"
        " first round, minus the five-year survival of startups never VC-backed counted from the"
        " same age (the VC-backed startups' median age at their first round), among those alive"
        " at that age",
        "Puri, M. & Zarutskie, R. (2012). On the life cycle dynamics of venture-capital- and"
        " non-venture-capital-financed firms. Journal of Finance 67(6), 2247-2293: on the US"
        " Census LBD, VC-financed firms' cumulative failure rates are lower than those of"
        " matched non-VC firms, the gap coming from the first four to five years after the"
        " first VC (later the hazard reverses).",
        0.0,
        0.05,
        "above",
        "Set before looking at the model. The source publishes the direction, robust across"
        " their matched samples and hazard models; its table values could not be retrieved in"
        " this session, so the fact asks for the direction only, with a margin: a gap of at"
        " least 5 points of five-year survival, larger than the model's seed-to-seed noise in"
        " either share (about 1-2 points at scale 1), so that a tie does not pass.",
    ),
    Fact(
        "vc_failure_share",
        "A third of VC-backed startups fail",
        f"Share of startups first funded at least {FOLLOW_UP_MONTHS} months before the end of"
        f" the run whose investors lost most of their money within {FOLLOW_UP_MONTHS} months of"
        " the first round: failed, or sold for at most half the venture money raised",
        "Ghosh, S., in Gage, D. (2012), The venture capital secret: 3 out of 4 start-ups fail,"
        " Wall Street Journal, 20 September (about 2,000 US companies that raised at least $1M"
        " of venture money in 2004-2010): 30-40% liquidate, investors losing all or most of"
        " their money; the National Venture Capital Association's estimate is 25-30%.",
        0.33,
        0.1,
        "within",
        "Added in session 8 after the model's VC-backed startups were seen to fail too rarely"
        " (8% within six years); the published value and this band come from the sources alone:"
        " 0.1 around a third covers the NVCA's 25% and Ghosh's 40%, and the sources' two to"
        " eight years of follow-up against our six. Distress sales count as failures, as"
        " Ghosh's 'investors losing most of their money' asks; half the money raised is where"
        " 'most' begins.",
    ),
    Fact(
        "zero_exit_share",
        "Almost three quarters of VC-backed ventures end with nothing for the founders",
        f"Of startups first funded at least {FOLLOW_UP_MONTHS} months before the end of the run"
        f" whose venture ended (failed, acquired or listed) within {FOLLOW_UP_MONTHS} months of"
        " the first round: the share that failed or were sold for no more than the venture"
        " money they raised (a 1x liquidation preference leaves the founders nothing)",
        "Hall, R. E. & Woodward, S. E. (2010). The burden of the nondiversifiable risk of"
        " entrepreneurship. American Economic Review 100(3), 1163-1194: almost three quarters of"
        " venture-backed entrepreneurs (near the universe of US VC-backed companies 1987-2008)"
        " receive nothing at exit. Kaplan & Stromberg (2003): liquidation preferences are"
        " standard in venture contracts.",
        0.73,
        0.12,
        "within",
        "Set before looking at the model. 'Almost three quarters' is read as 0.73; the source"
        " pools 1987-2008 vintages (the dot-com bust among them) and imputes missing exit values,"
        " and the model approximates the preference stack by a single 1x preference on all"
        " money raised and counts only ventures ended within six years, so 0.12 (a zero-founder"
        " share between three fifths and 85%) allows for those differences; a share near a half"
        " or near all would be a different funnel.",
    ),
    Fact(
        "age_exponential",
        "Exponential distribution of firm ages",
        "Coefficient of variation (sd / mean) of the ages of firms alive in the last December"
        " (1 for an exponential distribution)",
        "Coad, A. (2010). The exponential age distribution and the Pareto firm size"
        " distribution. Journal of Industry, Competition and Trade 10, 389-395.",
        1.0,
        0.3,
        "within",
        "An exponential has CV 1; a uniform age mix has 0.58 and a two-speed population can"
        " exceed 1.3, so 0.3 separates an exponential-like age profile from both.",
    ),
)
FACT_IDS = tuple(f.id for f in FACTS)
