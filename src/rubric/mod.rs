//! The Partnership Rubric: scores each accepted partnership, decides its intensity level
//! and derives what that level requires.
//!
//! The rubric is configuration, not code: the criteria, their thresholds and weights, the
//! way they combine, the floors and the routing all come from `partnerdocs.toml`. Scoring
//! is pure: the same partnership and configuration always give the same assessment.

pub mod config;
pub mod criteria;
pub mod report;
pub mod routing;
pub mod score;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Map, Value};

pub use config::{Method, RoutingConfig, RubricConfig, RubricConfigError};
pub use criteria::Criterion;
pub use routing::Routing;
pub use score::CriterionScore;

use crate::config::Config;
use crate::intake::Partnership;
use crate::level::Level;

/// A partnership's rubric result: every criterion, the levels, and what the level requires.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// The enabled criteria, in the order of the district's guidelines.
    pub criteria: Vec<CriterionScore>,
    /// How the criteria were combined.
    pub method: Method,
    /// The weighted points over the enabled criteria (decisive under `points` only).
    pub points: u32,
    /// The level the criteria give before floors.
    pub scored_intensity: Level,
    /// How the criteria gave that level, e.g. `12 points is 11 to 15, so medium`.
    pub scoring_explanation: String,
    /// Each floor that raised the level, in words.
    pub floors_applied: Vec<String>,
    /// The level the rubric computes: the criteria, then the floors.
    pub computed_intensity: Level,
    /// The level that counts: the override when there is one, else the computed level.
    pub intensity: Level,
    /// The intake row set `intensity_override`.
    pub overridden: bool,
    /// Why the level was overridden, as the row gives it.
    pub override_reason: Option<String>,
    /// Who develops the agreement and what it needs.
    #[serde(flatten)]
    pub routing: Routing,
}

/// Scores `partnership` with the configured rubric and routes it by its level.
pub fn assess(partnership: &Partnership, config: &Config) -> Assessment {
    let rubric = &config.rubric;
    let school_count = config.district.school_count;
    let measurements = criteria::measure_all(partnership, &rubric.criteria, school_count);

    let criteria = score::score_criteria(&measurements, rubric);
    let combined = score::combine(&criteria, rubric);
    let (computed, floors_applied) =
        score::apply_floors(combined.level, partnership, &measurements, &rubric.floors);

    let intensity = partnership.intensity_override.unwrap_or(computed);
    Assessment {
        criteria,
        method: rubric.method,
        points: combined.points,
        scored_intensity: combined.level,
        scoring_explanation: combined.explanation,
        floors_applied,
        computed_intensity: computed,
        intensity,
        overridden: partnership.intensity_override.is_some(),
        override_reason: partnership.override_reason.clone(),
        routing: routing::route(partnership, intensity, &config.routing),
    }
}

/// Assesses every partnership in parallel; the results keep the input order.
pub fn assess_all(partnerships: &[Partnership], config: &Config) -> Vec<Assessment> {
    partnerships.par_iter().map(|partnership| assess(partnership, config)).collect()
}

/// How many partnerships have each level, in one line, e.g.
/// `intensity: 4 low, 2 medium, 1 high (1 overridden)`.
pub fn level_summary(assessments: &[Assessment]) -> String {
    let count = |level: Level| assessments.iter().filter(|a| a.intensity == level).count();
    let counts: Vec<String> =
        Level::ALL.iter().map(|&level| format!("{} {level}", count(level))).collect();
    let mut line = format!("intensity: {}", counts.join(", "));
    let overridden = assessments.iter().filter(|a| a.overridden).count();
    if overridden > 0 {
        line.push_str(&format!(" ({overridden} overridden)"));
    }
    line
}

impl Assessment {
    /// The score of `criterion`, when it is part of the rubric.
    pub fn criterion(&self, criterion: Criterion) -> Option<&CriterionScore> {
        self.criteria.iter().find(|score| score.criterion == criterion)
    }

    /// The MOA and Decision-Making Matrix are generated but marked optional.
    pub fn moa_optional(&self) -> bool {
        !self.routing.moa_required
    }

    /// The fields templates print: `intensity`, `intensity_label`, `rubric`, the flags,
    /// `developed_by` and the rest.
    pub fn template_fields(&self) -> Map<String, Value> {
        let rubric: Vec<Value> = self.criteria.iter().map(criterion_fields).collect();
        let routing = &self.routing;
        let fields = json!({
            "intensity": self.intensity.as_str(),
            "intensity_label": self.intensity.label(),
            "computed_intensity": self.computed_intensity.as_str(),
            "computed_intensity_label": self.computed_intensity.label(),
            "overridden": self.overridden,
            "override_reason": self.override_reason,
            "points": self.points,
            "scoring_explanation": self.scoring_explanation,
            "floors_applied": self.floors_applied,
            "rubric": rubric,
            "developed_by": routing.developed_by,
            "moa_required": routing.moa_required,
            "moa_optional": self.moa_optional(),
            "board_notification": routing.board_notification,
            "board_approval": routing.board_approval,
            "contract_review": routing.contract_review,
            "data_agreement": routing.data_agreement,
            "review_date": routing.review_date.to_string(),
        });
        match fields {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

fn criterion_fields(score: &CriterionScore) -> Value {
    json!({
        "criterion": score.criterion.label(),
        "key": score.criterion.as_str(),
        "value": score.value,
        "level": score.level.as_str(),
        "level_label": score.level.label(),
        "points": score.points,
        "explanation": score.explanation,
    })
}

#[cfg(test)]
pub(crate) mod testing {
    //! A partnership fixture for the rubric's unit tests.

    use std::collections::BTreeMap;

    use chrono::NaiveDate;

    use crate::intake::{DataShared, Money, Partnership, ProgramScope, Source};

    pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    /// A partnership rated low on every criterion of the default rubric.
    pub fn partnership() -> Partnership {
        Partnership {
            partnership_id: "P-001".into(),
            program_name: "Family Science Night".into(),
            partner_name: "Riverside Science Museum".into(),
            partner_type: None,
            partner_contact: None,
            partner_email: None,
            partner_phone: None,
            partner_address: None,
            district_lead: "A. Principal".into(),
            schools: vec!["Lincoln Elementary".into()],
            district_wide: false,
            program_description: None,
            district_priorities: Vec::new(),
            program_scope: ProgramScope::Event,
            start_date: date(2024, 9, 1),
            end_date: date(2024, 11, 30),
            students_served: 120,
            contact_hours_per_week: 1.0,
            district_funds: Money(0),
            partner_funds: Money(0),
            in_kind_value: Money(0),
            data_shared: DataShared::None,
            board_meeting: None,
            intensity_override: None,
            override_reason: None,
            extra: BTreeMap::new(),
            decisions: Vec::new(),
            source: Source {
                file: "requests.xlsx".into(),
                sheet: "Partnerships".into(),
                row: 7,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::DataShared;

    #[test]
    fn assessing_twice_gives_the_same_result() {
        let config = Config::defaults().unwrap();
        let p =
            Partnership { data_shared: DataShared::StudentLevel, ..testing::partnership() };
        assert_eq!(assess(&p, &config), assess(&p, &config));
    }

    #[test]
    fn assess_all_keeps_order_and_level_summary_counts() {
        let config = Config::defaults().unwrap();
        let low = testing::partnership();
        let medium = Partnership { data_shared: DataShared::StudentLevel, ..low.clone() };
        let high = Partnership { intensity_override: Some(Level::High), ..low.clone() };
        let all = assess_all(&[medium, low, high], &config);
        let levels: Vec<Level> = all.iter().map(|a| a.intensity).collect();
        assert_eq!(levels, [Level::Medium, Level::Low, Level::High]);
        assert_eq!(
            level_summary(&all),
            "intensity: 1 low, 1 medium, 1 high (1 overridden)"
        );
    }

    #[test]
    fn template_fields_carry_level_rubric_and_flags() {
        let config = Config::defaults().unwrap();
        let p =
            Partnership { data_shared: DataShared::StudentLevel, ..testing::partnership() };
        let fields = assess(&p, &config).template_fields();
        assert_eq!(fields["intensity"], "medium");
        assert_eq!(fields["intensity_label"], "Medium");
        assert_eq!(fields["data_agreement"], true);
        assert_eq!(fields["moa_optional"], false);
        assert_eq!(fields["rubric"][4]["criterion"], "Student data");
        assert_eq!(fields["rubric"][4]["level"], "high");
        assert_eq!(fields["review_date"], "2024-11-30");
    }
}
