//! What an intensity level requires: who develops the agreement, which approvals it needs,
//! and the flags that apply at any level.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::intake::{Money, Partnership};
use crate::level::Level;
use crate::rubric::config::{dollars_to_money, Moa, RoutingConfig};

/// Who develops a partnership's agreement and which reviews and approvals it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Routing {
    /// Who writes the agreement, e.g. `Partnerships Office, with the partner`.
    pub developed_by: String,
    /// The MOA and Decision-Making Matrix are required; otherwise they are encouraged
    /// and generated marked optional.
    pub moa_required: bool,
    /// The Board is notified of the partnership.
    pub board_notification: bool,
    /// The Board approves the final agreement.
    pub board_approval: bool,
    /// District funds are paid, so contract terms must follow district purchasing policy.
    pub contract_review: bool,
    /// The data shared needs a data agreement.
    pub data_agreement: bool,
    /// When the partners revisit the agreement.
    pub review_date: NaiveDate,
}

/// Routes a partnership of the given intensity.
pub fn route(
    partnership: &Partnership,
    intensity: Level,
    config: &RoutingConfig,
) -> Routing {
    let level = config.of(intensity);
    let data = partnership.data_shared.as_str();
    Routing {
        developed_by: level.developed_by.clone(),
        moa_required: level.moa == Moa::Required,
        board_notification: level.board_notification,
        board_approval: level.board_approval,
        contract_review: needs_contract_review(partnership.district_funds, config),
        data_agreement: config.data_agreement_for.iter().any(|kind| kind == data),
        review_date: review_date(partnership, config.review_after_months),
    }
}

/// District funds above the configured amount need a contract review.
fn needs_contract_review(district_funds: Money, config: &RoutingConfig) -> bool {
    district_funds > dollars_to_money(config.contract_review_above)
}

/// `months` after the start, or the end date when that is sooner.
///
/// A start on the 29th to 31st lands on the last day of a shorter month.
pub fn review_date(partnership: &Partnership, months: u32) -> NaiveDate {
    let after = partnership.start_date.checked_add_months(Months::new(months));
    match after {
        Some(date) if date < partnership.end_date => date,
        _ => partnership.end_date,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::intake::DataShared;
    use crate::rubric::testing::{date, partnership};

    fn routing_config() -> RoutingConfig {
        Config::defaults().unwrap().routing
    }

    #[test]
    fn levels_route_to_their_default_approvals() {
        let config = routing_config();
        let low = route(&partnership(), Level::Low, &config);
        assert!(low.developed_by.contains("principal"), "{}", low.developed_by);
        assert!(!low.moa_required && !low.board_notification && !low.board_approval);

        let medium = route(&partnership(), Level::Medium, &config);
        assert!(medium.developed_by.contains("Partnerships Office"));
        assert!(medium.moa_required && medium.board_notification && !medium.board_approval);

        let high = route(&partnership(), Level::High, &config);
        assert!(high.developed_by.contains("Partnerships Office"));
        assert!(high.moa_required && high.board_notification && high.board_approval);
    }

    #[test]
    fn any_district_money_needs_a_contract_review() {
        let config = routing_config();
        assert!(!route(&partnership(), Level::Low, &config).contract_review);
        let paid = Partnership { district_funds: Money(1), ..partnership() };
        assert!(route(&paid, Level::Low, &config).contract_review);
        let partner_paid = Partnership { partner_funds: Money(900_000), ..partnership() };
        assert!(!route(&partner_paid, Level::Low, &config).contract_review);
    }

    #[test]
    fn de_identified_and_student_level_data_need_a_data_agreement() {
        let config = routing_config();
        for (data, needed) in [
            (DataShared::None, false),
            (DataShared::Aggregate, false),
            (DataShared::DeIdentified, true),
            (DataShared::StudentLevel, true),
        ] {
            let p = Partnership { data_shared: data, ..partnership() };
            assert_eq!(route(&p, Level::Low, &config).data_agreement, needed, "{data}");
        }
    }

    #[test]
    fn review_is_a_year_after_start_or_the_end_if_sooner() {
        let long = Partnership {
            start_date: date(2024, 9, 1),
            end_date: date(2026, 6, 30),
            ..partnership()
        };
        assert_eq!(review_date(&long, 12), date(2025, 9, 1));

        let short = Partnership { end_date: date(2025, 6, 13), ..long.clone() };
        assert_eq!(review_date(&short, 12), date(2025, 6, 13));

        let exact = Partnership { end_date: date(2025, 9, 1), ..long };
        assert_eq!(review_date(&exact, 12), date(2025, 9, 1));
    }

    #[test]
    fn review_from_a_leap_day_lands_on_the_last_of_february() {
        let p = Partnership {
            start_date: date(2024, 2, 29),
            end_date: date(2027, 1, 1),
            ..partnership()
        };
        assert_eq!(review_date(&p, 12), date(2025, 2, 28));
    }
}
