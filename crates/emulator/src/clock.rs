//! The emulator's virtual clock. Resource state machines (instance start-up,
//! job phases, service deployment, diagnosis tasks) run on it, so a test can
//! jump ahead instead of sleeping.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// Virtual time: a start point, plus real elapsed time scaled by a speed
/// factor (unless frozen), plus every explicit advance.
#[derive(Debug)]
pub(crate) struct VirtualClock {
    start_real: Instant,
    start_virtual: SystemTime,
    speed: f64,
    frozen: bool,
    offset: Mutex<Duration>,
}

impl VirtualClock {
    pub fn new(start_virtual: SystemTime, speed: f64, frozen: bool) -> Self {
        Self {
            start_real: Instant::now(),
            start_virtual,
            speed: if speed.is_finite() && speed > 0.0 {
                speed
            } else {
                1.0
            },
            frozen,
            offset: Mutex::new(Duration::ZERO),
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> SystemTime {
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        let flowing = if self.frozen {
            Duration::ZERO
        } else {
            self.start_real.elapsed().mul_f64(self.speed)
        };
        self.start_virtual + flowing + offset
    }

    /// Moves virtual time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset += by;
    }
}

/// Formats `t` as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn iso_seconds(t: SystemTime) -> String {
    let dt = time::OffsetDateTime::from(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Formats `t` as `YYYY-MM-DDTHH:MMZ` (the minute precision ECS uses).
pub(crate) fn iso_minutes(t: SystemTime) -> String {
    let dt = time::OffsetDateTime::from(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute()
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (the `x-acs-date` format).
pub(crate) fn parse_iso_seconds(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> { text.get(r)?.parse().ok() };
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(year, month, u8::try_from(num(8..10)?).ok()?).ok()?;
    let t = time::Time::from_hms(
        u8::try_from(num(11..13)?).ok()?,
        u8::try_from(num(14..16)?).ok()?,
        u8::try_from(num(17..19)?).ok()?,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_utc().into())
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_moves_only_on_advance() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let c = VirtualClock::new(start, 1.0, true);
        assert_eq!(c.now(), start);
        c.advance(Duration::from_secs(90));
        assert_eq!(c.now(), start + Duration::from_secs(90));
    }

    #[test]
    fn date_round_trip() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_579_200);
        assert_eq!(iso_seconds(t), "2026-11-25T04:00:00Z");
        assert_eq!(iso_minutes(t), "2026-11-25T04:00Z");
        assert_eq!(parse_iso_seconds("2026-11-25T04:00:00Z"), Some(t));
        assert_eq!(parse_iso_seconds("2026-11-25 04:00:00"), None);
        assert_eq!(parse_iso_seconds("2026-13-25T04:00:00Z"), None);
    }
}
