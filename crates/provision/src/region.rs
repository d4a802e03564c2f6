//! Region choice (P3): an explicit region wins; a script that pulls from
//! overseas sources goes to an overseas region; everything else stays
//! domestic. The choice always carries its reason.

use crate::requirements::Requirements;

/// Region for work that needs overseas package sources.
pub const OVERSEAS_REGION: &str = "ap-southeast-1";
/// Region for everything else.
pub const DOMESTIC_REGION: &str = "cn-hangzhou";

/// One line of a script that reaches overseas sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverseasSignal {
    /// 1-based line number.
    pub line: usize,
    /// What was recognised (`pip install`, `github.com`, ...).
    pub what: String,
}

/// The chosen region and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionChoice {
    /// Region id.
    pub region: String,
    /// Why, in words.
    pub reason: String,
    /// The script lines that drove an overseas choice.
    pub signals: Vec<OverseasSignal>,
}

/// Package-manager commands that fetch from default (overseas) registries.
const INSTALL_COMMANDS: &[&str] = &[
    "pip install",
    "pip3 install",
    "python -m pip install",
    "python3 -m pip install",
    "npm install",
    "npm i ",
    "npm ci",
    "yarn add",
    "yarn install",
    "pnpm install",
    "apt-get install",
    "apt install",
    "yum install",
    "dnf install",
    "go get",
    "go install",
    "go mod download",
    "cargo build",
    "cargo install",
    "gem install",
    "bundle install",
    "composer install",
    "composer require",
    "conda install",
    "docker pull",
    "git clone",
];

/// Hosts that are overseas.
const OVERSEAS_HOSTS: &[&str] = &[
    "github.com",
    "githubusercontent.com",
    "gitlab.com",
    "docker.io",
    "docker.com",
    "pypi.org",
    "pythonhosted.org",
    "npmjs.org",
    "npmjs.com",
    "huggingface.co",
    "hf.co",
    "crates.io",
    "golang.org",
    "rubygems.org",
    "packagist.org",
    "anaconda.org",
    "anaconda.com",
];

/// Hosts in China (mirrors included): fetching from them is domestic.
fn is_domestic_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host.ends_with(".cn")
        || host.ends_with("aliyuncs.com")
        || host.ends_with("aliyun.com")
        || host.ends_with("alibaba-inc.com")
        || host.ends_with("alicdn.com")
        || host.ends_with("modelscope.cn")
        || host.ends_with("tencent.com")
        || host.ends_with("huaweicloud.com")
        || host.ends_with("volces.com")
}

fn urls(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .filter_map(|w| {
            w.strip_prefix("https://")
                .or_else(|| w.strip_prefix("http://"))
        })
        .map(|rest| rest.split(['/', ':', '?']).next().unwrap_or(rest))
}

/// Finds the lines of `script` that will fetch from overseas sources.
/// An install pointed at a domestic mirror (`-i https://mirrors.aliyun.com/...`)
/// does not count.
pub fn overseas_signals(script: &str) -> Vec<OverseasSignal> {
    let mut out = Vec::new();
    for (idx, raw) in script.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') || line.starts_with("//") || line.is_empty() {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        let hosts: Vec<&str> = urls(&lower).collect();
        let uses_domestic_mirror = !hosts.is_empty() && hosts.iter().all(|h| is_domestic_host(h));
        for cmd in INSTALL_COMMANDS {
            if lower.contains(cmd) && !uses_domestic_mirror {
                out.push(OverseasSignal {
                    line: idx + 1,
                    what: cmd.trim().to_owned(),
                });
                break;
            }
        }
        for host in &hosts {
            if OVERSEAS_HOSTS
                .iter()
                .any(|h| host == h || host.ends_with(&format!(".{h}")))
            {
                out.push(OverseasSignal {
                    line: idx + 1,
                    what: (*host).to_owned(),
                });
            } else if (lower.starts_with("curl")
                || lower.starts_with("wget")
                || lower.contains("| sh"))
                && !is_domestic_host(host)
                && !host.starts_with("127.")
                && *host != "localhost"
            {
                out.push(OverseasSignal {
                    line: idx + 1,
                    what: format!("download from {host}"),
                });
            }
        }
    }
    out.dedup();
    out
}

/// Applies the P3 rule.
pub fn choose(req: &Requirements, script: Option<&str>) -> RegionChoice {
    if let Some(region) = req.region() {
        return RegionChoice {
            region: region.to_owned(),
            reason: format!("{region} was requested explicitly"),
            signals: Vec::new(),
        };
    }
    let signals = script.map(overseas_signals).unwrap_or_default();
    if signals.is_empty() {
        RegionChoice {
            region: DOMESTIC_REGION.to_owned(),
            reason: "the script needs no overseas sources, so a domestic region gives the lowest latency".to_owned(),
            signals,
        }
    } else {
        let mut what: Vec<&str> = signals.iter().map(|s| s.what.as_str()).collect();
        what.sort_unstable();
        what.dedup();
        RegionChoice {
            region: OVERSEAS_REGION.to_owned(),
            reason: format!(
                "the script fetches from overseas sources ({}); domestic regions often time out on those",
                what.join(", ")
            ),
            signals,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p3_explicit_region_wins() {
        let r: Requirements = "region=cn-beijing".parse().unwrap();
        let c = choose(&r, Some("pip install torch"));
        assert_eq!(c.region, "cn-beijing");
        assert!(c.reason.contains("explicitly"));
    }

    #[test]
    fn p3_overseas_dependencies_go_overseas() {
        let r = Requirements::default();
        for script in [
            "pip install -r requirements.txt",
            "npm install && npm run build",
            "git clone https://github.com/org/repo",
            "huggingface-cli download x --endpoint https://huggingface.co",
            "curl -fsSL https://example.com/install.sh | sh",
            "apt-get install -y nginx",
        ] {
            let c = choose(&r, Some(script));
            assert_eq!(c.region, OVERSEAS_REGION, "{script}");
            assert!(c.reason.contains("overseas"), "{}", c.reason);
            assert_eq!(c.signals[0].line, 1);
        }
    }

    #[test]
    fn p3_domestic_when_nothing_reaches_overseas() {
        let r = Requirements::default();
        let c = choose(
            &r,
            Some("# pip install torch\necho hello\npython compute.py"),
        );
        assert_eq!(c.region, DOMESTIC_REGION);
        assert!(c.signals.is_empty());
        let mirror = "pip install -i https://mirrors.aliyun.com/pypi/simple numpy";
        assert_eq!(choose(&r, Some(mirror)).region, DOMESTIC_REGION);
        let oss = "wget https://bucket.oss-cn-hangzhou.aliyuncs.com/data.tar";
        assert_eq!(choose(&r, Some(oss)).region, DOMESTIC_REGION);
        assert_eq!(choose(&r, None).region, DOMESTIC_REGION);
    }
}
