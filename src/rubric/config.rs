//! The rubric and routing settings of `partnerdocs.toml`, and the checks that refuse a
//! rubric that does not make sense.

use serde::{Deserialize, Serialize};

use crate::intake::Money;
use crate::level::Level;
use crate::rubric::criteria::Criterion;

/// A rubric or routing setting that does not make sense, named by its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad setting `{key}`: {message}")]
pub struct RubricConfigError {
    /// The dotted key, e.g. `rubric.criteria.contact_time.high`.
    pub key: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl RubricConfigError {
    fn new(key: impl Into<String>, message: impl Into<String>) -> RubricConfigError {
        RubricConfigError { key: key.into(), message: message.into() }
    }
}

/// How the levels of the criteria combine into one intensity level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Each criterion earns points for its level; the total falls in a band.
    Points,
    /// The highest level of any criterion.
    Highest,
}

impl Method {
    /// The name used in configuration and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Points => "points",
            Method::Highest => "highest",
        }
    }
}

/// The Partnership Rubric: the criteria, how they combine, and the floors.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricConfig {
    /// How the criteria combine.
    pub method: Method,
    /// Points a criterion earns for each level, before its weight.
    pub points: LevelPoints,
    /// The point totals at which the medium and high levels start.
    pub bands: Bands,
    /// The seven criteria.
    pub criteria: Criteria,
    /// Rules that raise the level to at least a given one.
    #[serde(default)]
    pub floors: Vec<Floor>,
}

/// Points a criterion earns for each level, before its weight.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelPoints {
    /// Points for a low criterion.
    pub low: u32,
    /// Points for a medium criterion.
    pub medium: u32,
    /// Points for a high criterion.
    pub high: u32,
}

impl LevelPoints {
    /// The points for `level`.
    pub fn of(&self, level: Level) -> u32 {
        match level {
            Level::Low => self.low,
            Level::Medium => self.medium,
            Level::High => self.high,
        }
    }
}

/// The point totals at which the medium and high levels start.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    /// The smallest total that is medium.
    pub medium: u32,
    /// The smallest total that is high.
    pub high: u32,
}

/// The seven criteria of the district's guidelines.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    /// Program scope, by kind of program.
    pub scope: ChoiceCriterion,
    /// Contact hours a week; the bounds are where each level starts.
    pub contact_time: AtLeast<f64>,
    /// Number of schools; the bounds are where each level starts.
    pub schools: AtLeast<u32>,
    /// District funds, partner funds and in-kind value, in dollars; the bounds are where
    /// each level starts.
    pub resources: AtLeast<f64>,
    /// Student data shared, by kind of data.
    pub data: ChoiceCriterion,
    /// Days from start to end; each level starts above its bound.
    pub duration: Above,
    /// Number of district priorities; the bounds are where each level starts.
    pub priorities: AtLeast<u32>,
}

impl Criteria {
    /// Whether `criterion` is part of the rubric, and its weight.
    pub fn counting(&self, criterion: Criterion) -> (bool, u32) {
        match criterion {
            Criterion::Scope => (self.scope.enabled, self.scope.weight),
            Criterion::ContactTime => (self.contact_time.enabled, self.contact_time.weight),
            Criterion::Schools => (self.schools.enabled, self.schools.weight),
            Criterion::Resources => (self.resources.enabled, self.resources.weight),
            Criterion::Data => (self.data.enabled, self.data.weight),
            Criterion::Duration => (self.duration.enabled, self.duration.weight),
            Criterion::Priorities => (self.priorities.enabled, self.priorities.weight),
        }
    }

    /// The lists of a criterion rated by kind; `None` for a counted criterion.
    pub fn choice(&self, criterion: Criterion) -> Option<&ChoiceCriterion> {
        match criterion {
            Criterion::Scope => Some(&self.scope),
            Criterion::Data => Some(&self.data),
            _ => None,
        }
    }

    /// Checks each criterion's bounds and lists.
    fn validate(&self) -> Result<(), RubricConfigError> {
        let key = |name: &str| format!("rubric.criteria.{name}");
        check_amounts(&key("contact_time"), self.contact_time.bounds())?;
        check_increasing(&key("schools"), &self.schools.bounds())?;
        check_amounts(&key("resources"), self.resources.bounds())?;
        check_increasing(&key("duration"), &self.duration.bounds())?;
        check_increasing(&key("priorities"), &self.priorities.bounds())?;
        for criterion in [Criterion::Scope, Criterion::Data] {
            if let (Some(choice), Some(kinds)) = (self.choice(criterion), criterion.kinds())
            {
                check_choices(&key(criterion.as_str()), choice, &kinds)?;
            }
        }
        Ok(())
    }
}

/// A criterion rated by kind: each level lists the kinds it covers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceCriterion {
    /// `false` leaves the criterion out of the rubric.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// How many times its points count; 0 keeps it on reports but counts nothing.
    #[serde(default = "one")]
    pub weight: u32,
    /// The kinds rated low.
    pub low: Vec<String>,
    /// The kinds rated medium.
    pub medium: Vec<String>,
    /// The kinds rated high.
    pub high: Vec<String>,
}

impl ChoiceCriterion {
    /// The level `value` is listed under, if any.
    pub fn level_of(&self, value: &str) -> Option<Level> {
        self.lists()
            .into_iter()
            .find(|(_, list)| list.iter().any(|v| v == value))
            .map(|(l, _)| l)
    }

    fn lists(&self) -> [(Level, &Vec<String>); 3] {
        [(Level::Low, &self.low), (Level::Medium, &self.medium), (Level::High, &self.high)]
    }
}

/// A counted criterion whose medium and high levels start at a number (`h >= high`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtLeast<T> {
    /// `false` leaves the criterion out of the rubric.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// How many times its points count; 0 keeps it on reports but counts nothing.
    #[serde(default = "one")]
    pub weight: u32,
    /// The smallest value that is medium.
    pub medium: T,
    /// The smallest value that is high.
    pub high: T,
}

impl<T: Copy> AtLeast<T> {
    fn bounds(&self) -> [(&'static str, T); 2] {
        [("medium", self.medium), ("high", self.high)]
    }
}

/// A counted criterion whose medium and high levels start above a number (`d > high`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Above {
    /// `false` leaves the criterion out of the rubric.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// How many times its points count; 0 keeps it on reports but counts nothing.
    #[serde(default = "one")]
    pub weight: u32,
    /// Values above this are medium.
    pub medium_above: u32,
    /// Values above this are high.
    pub high_above: u32,
}

impl Above {
    fn bounds(&self) -> [(&'static str, u32); 2] {
        [("medium_above", self.medium_above), ("high_above", self.high_above)]
    }
}

/// A rule that raises the level to at least `at_least` when a criterion meets a condition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Floor {
    /// The criterion the rule looks at.
    pub criterion: Criterion,
    /// Applies when the partnership has this kind (scope and data only).
    #[serde(default)]
    pub value: Option<String>,
    /// Applies when the criterion's level is at least this.
    #[serde(default)]
    pub level: Option<Level>,
    /// The lowest intensity a matching partnership can have.
    pub at_least: Level,
    /// Why the rule exists, shown when it applies.
    #[serde(default)]
    pub reason: Option<String>,
}

/// What each intensity level requires, and the flags that apply at any level.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingConfig {
    /// Partners revisit the agreement this many months after it starts, or at its end if
    /// that is sooner.
    pub review_after_months: u32,
    /// District funds above this many dollars need a contract review.
    pub contract_review_above: f64,
    /// Kinds of data shared that need a data agreement.
    pub data_agreement_for: Vec<String>,
    /// What a low-intensity partnership requires.
    pub low: LevelRouting,
    /// What a medium-intensity partnership requires.
    pub medium: LevelRouting,
    /// What a high-intensity partnership requires.
    pub high: LevelRouting,
}

impl RoutingConfig {
    /// The routing of `level`.
    pub fn of(&self, level: Level) -> &LevelRouting {
        match level {
            Level::Low => &self.low,
            Level::Medium => &self.medium,
            Level::High => &self.high,
        }
    }
}

/// Who develops an agreement of one level, and which approvals it needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRouting {
    /// Who writes the agreement, e.g. "Partnerships Office, with the partner".
    pub developed_by: String,
    /// Whether the MOA and Decision-Making Matrix are required or only encouraged.
    pub moa: Moa,
    /// The Board is notified of the partnership.
    pub board_notification: bool,
    /// The Board approves the final agreement.
    pub board_approval: bool,
}

/// Whether a level needs the MOA and Decision-Making Matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Moa {
    /// Generated and needed before work starts.
    Required,
    /// Generated and marked optional.
    Encouraged,
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

impl RubricConfig {
    /// Checks what the types alone cannot: ordered thresholds, complete and disjoint
    /// lists, floors that can match.
    pub fn validate(&self) -> Result<(), RubricConfigError> {
        let points = &self.points;
        let points =
            [("low", points.low), ("medium", points.medium), ("high", points.high)];
        check_increasing("rubric.points", &points)?;
        let bands = [("medium", self.bands.medium), ("high", self.bands.high)];
        check_increasing("rubric.bands", &bands)?;
        self.criteria.validate()?;
        for (index, floor) in self.floors.iter().enumerate() {
            validate_floor(&format!("rubric.floors[{index}]"), floor)?;
        }
        Ok(())
    }
}

/// Checks that each named bound is larger than the one before it.
fn check_increasing<T: PartialOrd + std::fmt::Display>(
    table: &str,
    bounds: &[(&str, T)],
) -> Result<(), RubricConfigError> {
    for pair in bounds.windows(2) {
        let ((lower_name, lower), (name, value)) = (&pair[0], &pair[1]);
        if value <= lower {
            let message = format!(
                "{value} must be more than `{lower_name}`, which is {lower} \
                 (hint: each level must start above the level below it)"
            );
            return Err(RubricConfigError::new(format!("{table}.{name}"), message));
        }
    }
    Ok(())
}

/// Checks a pair of bounds that may have fractions: finite, not negative, increasing.
fn check_amounts(table: &str, bounds: [(&str, f64); 2]) -> Result<(), RubricConfigError> {
    for (name, value) in bounds {
        if !value.is_finite() || value < 0.0 {
            let message = format!("{value} must be a number, 0 or more");
            return Err(RubricConfigError::new(format!("{table}.{name}"), message));
        }
    }
    check_increasing(table, &bounds)
}

/// Checks that every allowed value is listed under exactly one level, and nothing else is.
fn check_choices(
    table: &str,
    choice: &ChoiceCriterion,
    allowed: &[&str],
) -> Result<(), RubricConfigError> {
    let mut seen: Vec<(&str, Level)> = Vec::new();
    for (level, list) in choice.lists() {
        let key = format!("{table}.{level}");
        for value in list {
            if !allowed.contains(&value.as_str()) {
                let message = format!("`{value}` is not one of {}", allowed.join(", "));
                return Err(RubricConfigError::new(key, message));
            }
            if let Some((_, first)) = seen.iter().find(|(v, _)| v == value) {
                let message = format!(
                    "`{value}` is already listed under {first} \
                     (hint: list each value under one level only)"
                );
                return Err(RubricConfigError::new(key, message));
            }
            seen.push((value, level));
        }
    }
    match allowed.iter().find(|value| !seen.iter().any(|(v, _)| v == *value)) {
        Some(missing) => Err(RubricConfigError::new(
            table,
            format!("`{missing}` is not listed (hint: add it under low, medium or high)"),
        )),
        None => Ok(()),
    }
}

/// Checks that a floor names exactly one condition, and one that can be met.
fn validate_floor(key: &str, floor: &Floor) -> Result<(), RubricConfigError> {
    let value = match (&floor.value, floor.level) {
        (Some(value), None) => value,
        (None, Some(_)) => return Ok(()),
        _ => {
            let message = "needs either `value` or `level`, not both \
                           (hint: `value = \"student-level\"` or `level = \"high\"`)";
            return Err(RubricConfigError::new(key, message));
        }
    };
    let name = floor.criterion.as_str();
    let message = match floor.criterion.kinds() {
        None => format!("{name} is counted, not listed (hint: use `level` instead)"),
        Some(kinds) if !kinds.contains(&value.as_str()) => {
            format!("`{value}` is not a {name} value; use one of {}", kinds.join(", "))
        }
        Some(_) => return Ok(()),
    };
    Err(RubricConfigError::new(format!("{key}.value"), message))
}

impl RoutingConfig {
    /// Checks what the types alone cannot.
    pub fn validate(&self) -> Result<(), RubricConfigError> {
        if self.review_after_months == 0 {
            return Err(RubricConfigError::new(
                "routing.review_after_months",
                "must be at least 1",
            ));
        }
        let above = self.contract_review_above;
        if !above.is_finite() || above < 0.0 {
            let message = format!("{above} must be a number of dollars, 0 or more");
            return Err(RubricConfigError::new("routing.contract_review_above", message));
        }
        let kinds = Criterion::Data.kinds().unwrap_or_default();
        for value in &self.data_agreement_for {
            if !kinds.contains(&value.as_str()) {
                let message = format!("`{value}` is not one of {}", kinds.join(", "));
                return Err(RubricConfigError::new("routing.data_agreement_for", message));
            }
        }
        for level in Level::ALL {
            validate_level_routing(&format!("routing.{level}"), self.of(level))?;
        }
        Ok(())
    }
}

fn validate_level_routing(
    key: &str,
    routing: &LevelRouting,
) -> Result<(), RubricConfigError> {
    if routing.developed_by.trim().is_empty() {
        return Err(RubricConfigError::new(
            format!("{key}.developed_by"),
            "must not be empty",
        ));
    }
    if routing.board_approval && !routing.board_notification {
        return Err(RubricConfigError::new(
            format!("{key}.board_notification"),
            "must be true when `board_approval` is true; the Board approves only what it \
             was notified of",
        ));
    }
    Ok(())
}

/// Dollars as written in the configuration, to whole cents.
pub(crate) fn dollars_to_money(dollars: f64) -> Money {
    // Validation keeps amounts finite and not negative; the cast saturates beyond that.
    Money((dollars * 100.0).round() as u64)
}
