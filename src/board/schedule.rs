//! Which Board meeting each partnership goes to, and in which section of its agenda.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::config::BoardConfig;
use crate::intake::Partnership;
use crate::rubric::Assessment;

/// Where a partnership sits on a Board agenda.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Section {
    /// An action item: the Board reviews and approves the agreement (high intensity).
    Approval,
    /// An information item: the Board is told of the partnership (medium intensity).
    Information,
}

impl Section {
    /// The name `board.csv` uses: `approval` or `information`.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Approval => "approval",
            Section::Information => "information",
        }
    }
}

/// One partnership going to the Board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardItem {
    /// The partnership's position in the run's list of accepted partnerships.
    pub row: usize,
    pub section: Section,
}

/// The partnerships going to one meeting, each section in agenda order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meeting {
    pub approval: Vec<usize>,
    pub information: Vec<usize>,
}

impl Meeting {
    /// Every item of the meeting: the action items, then the information items.
    pub fn items(&self) -> impl Iterator<Item = BoardItem> + '_ {
        let approval = self.approval.iter().map(|&row| (row, Section::Approval));
        let information = self.information.iter().map(|&row| (row, Section::Information));
        approval.chain(information).map(|(row, section)| BoardItem { row, section })
    }
}

/// Every partnership going to the Board, by meeting date, and those with no meeting yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    pub meetings: BTreeMap<NaiveDate, Meeting>,
    /// Partnerships the Board must hear of that have no meeting to go to, in agenda order.
    pub unscheduled: Vec<BoardItem>,
    /// Partnerships whose `board_meeting` is before the run date: (row, date).
    pub past: Vec<(usize, NaiveDate)>,
}

/// Assigns each partnership the Board must hear of to a meeting.
///
/// A partnership goes to the meeting in its `board_meeting` column; without one, to the
/// first meeting on the calendar at least `lead_days` after `as_of`. Within a section,
/// items follow partnership ID, so the agenda reads the same whatever order the
/// spreadsheets list them in.
pub fn schedule(
    rows: &[(&Partnership, &Assessment)],
    board: &BoardConfig,
    as_of: NaiveDate,
) -> Schedule {
    let earliest = as_of.checked_add_days(Days::new(u64::from(board.lead_days)));
    let next_meeting = earliest
        .and_then(|earliest| board.meetings.iter().copied().find(|date| *date >= earliest));

    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        let id = |row: usize| rows[row].0.partnership_id.to_lowercase();
        id(a).cmp(&id(b)).then(a.cmp(&b))
    });

    let mut schedule = Schedule::default();
    for row in order {
        let (partnership, assessment) = rows[row];
        let Some(section) = section_of(assessment) else {
            continue;
        };
        if let Some(date) = partnership.board_meeting.filter(|date| *date < as_of) {
            schedule.past.push((row, date));
        }
        match partnership.board_meeting.or(next_meeting) {
            Some(date) => {
                let meeting = schedule.meetings.entry(date).or_default();
                match section {
                    Section::Approval => meeting.approval.push(row),
                    Section::Information => meeting.information.push(row),
                }
            }
            None => schedule.unscheduled.push(BoardItem { row, section }),
        }
    }
    schedule.unscheduled.sort_by_key(|item| item.section);
    schedule
}

/// The agenda section of a partnership, or `None` when the Board need not hear of it.
pub fn section_of(assessment: &Assessment) -> Option<Section> {
    let routing = &assessment.routing;
    if routing.board_approval {
        Some(Section::Approval)
    } else if routing.board_notification {
        Some(Section::Information)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::level::Level;
    use crate::rubric::testing::{date, partnership};

    fn board(meetings: &[NaiveDate], lead_days: u32) -> BoardConfig {
        BoardConfig { meetings: meetings.to_vec(), lead_days }
    }

    fn partnerships(levels: &[(&str, Level, Option<NaiveDate>)]) -> Vec<Partnership> {
        levels
            .iter()
            .map(|(id, level, meeting)| Partnership {
                partnership_id: id.to_string(),
                intensity_override: Some(*level),
                override_reason: Some("test".into()),
                board_meeting: *meeting,
                ..partnership()
            })
            .collect()
    }

    fn assess(partnerships: &[Partnership]) -> Vec<Assessment> {
        let config = Config::defaults().unwrap();
        crate::rubric::assess_all(partnerships, &config)
    }

    #[test]
    fn the_next_meeting_after_the_lead_time_is_taken() {
        let p = partnerships(&[("B", Level::High, None), ("A", Level::Medium, None)]);
        let assessed = assess(&p);
        let rows: Vec<_> = p.iter().zip(&assessed).collect();
        let calendar = [date(2027, 1, 7), date(2027, 1, 14), date(2027, 2, 11)];
        // 2026-12-31 + 14 days = 2027-01-14: that meeting still has time enough.
        let schedule = schedule(&rows, &board(&calendar, 14), date(2026, 12, 31));
        let meeting = &schedule.meetings[&date(2027, 1, 14)];
        assert_eq!(meeting.approval, [0]);
        assert_eq!(meeting.information, [1]);
        assert_eq!(schedule.meetings.len(), 1);
        assert!(schedule.unscheduled.is_empty());
    }

    #[test]
    fn a_date_in_the_row_wins_and_low_never_goes() {
        let p = partnerships(&[
            ("A", Level::High, Some(date(2027, 3, 11))),
            ("B", Level::Low, Some(date(2027, 3, 11))),
            ("C", Level::Medium, None),
        ]);
        let assessed = assess(&p);
        let rows: Vec<_> = p.iter().zip(&assessed).collect();
        let schedule = schedule(&rows, &board(&[], 14), date(2026, 12, 3));
        assert_eq!(schedule.meetings.len(), 1);
        assert_eq!(schedule.meetings[&date(2027, 3, 11)].approval, [0]);
        assert!(schedule.meetings[&date(2027, 3, 11)].information.is_empty());
        assert_eq!(
            schedule.unscheduled,
            [BoardItem { row: 2, section: Section::Information }]
        );
    }

    #[test]
    fn items_follow_partnership_id_and_past_dates_are_noted() {
        let meeting = Some(date(2026, 11, 12));
        let p = partnerships(&[
            ("P-10", Level::High, meeting),
            ("p-02", Level::High, meeting),
            ("P-05", Level::High, meeting),
        ]);
        let assessed = assess(&p);
        let rows: Vec<_> = p.iter().zip(&assessed).collect();
        let schedule = schedule(&rows, &board(&[], 14), date(2026, 12, 3));
        assert_eq!(schedule.meetings[&date(2026, 11, 12)].approval, [1, 2, 0]);
        assert_eq!(schedule.past.len(), 3);
    }
}
