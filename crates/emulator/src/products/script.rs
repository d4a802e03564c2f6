//! A tiny, deterministic stand-in for running a user script (Cloud
//! Assistant commands, DLC user commands, FC invocations): the emulator runs
//! nothing, but `echo`/`printf` lines produce output, `sleep N` adds to the
//! run time and `exit N` sets the exit code, so tests can script outcomes.

use std::time::Duration;

/// What a script "did".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScriptRun {
    pub output: String,
    pub exit_code: i64,
    pub duration: Duration,
}

/// The longest simulated run.
const MAX_RUN: Duration = Duration::from_secs(6 * 3600);

fn unquote(s: &str) -> String {
    let t = s.trim();
    let stripped = if t.len() >= 2
        && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')))
    {
        &t[1..t.len() - 1]
    } else {
        t
    };
    stripped.replace("\\n", "\n")
}

/// Simulates `script`.
pub(crate) fn run(script: &str) -> ScriptRun {
    let mut output = String::new();
    let mut exit_code = 0;
    let mut duration = Duration::from_secs(2);
    'lines: for raw in script.lines() {
        for cmd in raw.split("&&").flat_map(|c| c.split(';')) {
            let line = cmd.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            match word {
                "echo" => {
                    output.push_str(&unquote(rest));
                    output.push('\n');
                }
                "printf" => output.push_str(&unquote(rest)),
                "sleep" => {
                    if let Ok(secs) = rest.trim().parse::<f64>() {
                        if secs.is_finite() && secs > 0.0 {
                            duration += Duration::from_secs_f64(secs.min(MAX_RUN.as_secs_f64()));
                        }
                    }
                }
                "exit" => {
                    exit_code = rest.trim().parse().unwrap_or(0);
                    break 'lines;
                }
                "false" => exit_code = 1,
                "true" => exit_code = 0,
                _ => {}
            }
        }
    }
    ScriptRun {
        output,
        exit_code,
        duration: duration.min(MAX_RUN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_sleep_exit() {
        let r = run("#!/bin/bash\necho hello\necho 'a b'; sleep 10\nexit 3\necho never");
        assert_eq!(r.output, "hello\na b\n");
        assert_eq!(r.exit_code, 3);
        assert_eq!(r.duration, Duration::from_secs(12));
        assert_eq!(run("python train.py").exit_code, 0);
    }
}
