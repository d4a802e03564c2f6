//! Status machines on virtual time.
//!
//! A resource holds its current status and a queue of future transitions
//! (each at a virtual time). Before every request the emulator applies the
//! transitions that are due, so statuses move exactly as far as the virtual
//! clock says, whether it flows or was advanced.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

/// A status with scheduled transitions and a history.
#[derive(Debug, Clone)]
pub(crate) struct Lifecycle<S> {
    status: S,
    since: SystemTime,
    pending: VecDeque<(SystemTime, S)>,
    history: Vec<(SystemTime, S)>,
}

impl<S: Clone + PartialEq> Lifecycle<S> {
    /// Starts in `initial` at `now`.
    pub fn new(now: SystemTime, initial: S) -> Self {
        Self {
            status: initial.clone(),
            since: now,
            pending: VecDeque::new(),
            history: vec![(now, initial)],
        }
    }

    /// The current status (call [`Lifecycle::tick`] first).
    pub fn status(&self) -> &S {
        &self.status
    }

    /// When the current status was entered.
    pub fn since(&self) -> SystemTime {
        self.since
    }

    /// Replaces the future with `steps`: each entry is the delay after the
    /// previous step (the first after `now`) and the status entered then.
    pub fn schedule(&mut self, now: SystemTime, steps: &[(Duration, S)]) {
        self.pending.clear();
        let mut at = now;
        for (delay, s) in steps {
            at += *delay;
            self.pending.push_back((at, s.clone()));
        }
    }

    /// Changes the status now and drops the scheduled future.
    pub fn set(&mut self, now: SystemTime, status: S) {
        self.pending.clear();
        self.enter(now, status);
    }

    /// Applies every transition due at `now`. Returns whether the status changed.
    pub fn tick(&mut self, now: SystemTime) -> bool {
        let mut changed = false;
        while let Some((at, _)) = self.pending.front() {
            if *at > now {
                break;
            }
            let (at, s) = self.pending.pop_front().expect("front was just checked");
            self.enter(at, s);
            changed = true;
        }
        changed
    }

    fn enter(&mut self, at: SystemTime, status: S) {
        if status != self.status {
            self.status = status.clone();
            self.since = at;
            self.history.push((at, status));
        }
    }

    /// Transitions so far, oldest first.
    pub fn history(&self) -> &[(SystemTime, S)] {
        &self.history
    }

    /// When `status` was last entered.
    pub fn entered(&self, status: &S) -> Option<SystemTime> {
        self.history
            .iter()
            .rev()
            .find(|(_, s)| s == status)
            .map(|(t, _)| *t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_apply_when_due() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let mut l = Lifecycle::new(t0, "Pending");
        l.schedule(
            t0,
            &[
                (Duration::from_secs(5), "Starting"),
                (Duration::from_secs(5), "Running"),
            ],
        );
        assert!(!l.tick(t0 + Duration::from_secs(4)));
        assert_eq!(*l.status(), "Pending");
        assert!(l.tick(t0 + Duration::from_secs(60)));
        assert_eq!(*l.status(), "Running");
        assert_eq!(l.since(), t0 + Duration::from_secs(10));
        assert_eq!(l.history().len(), 3);
        assert_eq!(l.entered(&"Starting"), Some(t0 + Duration::from_secs(5)));
    }
}
