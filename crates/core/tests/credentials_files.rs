//! File-based providers: the aliyun CLI's `~/.aliyun/config.json` and the INI
//! file `~/.alibabacloud/credentials`, every mode and type, with the network
//! ones against local fakes.

mod credentials_support;

use std::path::Path;

use alibabacloud_core::credentials::{
    CredentialsError, IniFileProvider, ProfileProvider, ProvideCredentials,
};
use credentials_support::*;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ROLE_ARN: &str = "acs:ram::1234567890:role/fake-role";

fn write_cli_config(home: &Path, json: &str) {
    std::fs::create_dir_all(home.join(".aliyun")).unwrap();
    std::fs::write(home.join(".aliyun/config.json"), json).unwrap();
}

fn write_ini(home: &Path, name: &str, text: &str) {
    std::fs::create_dir_all(home.join(".alibabacloud")).unwrap();
    std::fs::write(home.join(".alibabacloud").join(name), text).unwrap();
}

fn cli_config(profiles: serde_json::Value, current: &str) -> String {
    serde_json::json!({"current": current, "profiles": profiles, "meta_path": ""}).to_string()
}

// ---------------------------------------------------------------- CLI profile

#[tokio::test]
async fn cli_ak_mode_from_current() {
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        &cli_config(
            serde_json::json!([
                {"name": "default", "mode": "AK", "access_key_id": FAKE_ID, "access_key_secret": FAKE_SECRET,
                 "sts_token": "", "expired_seconds": 0, "region_id": "cn-hangzhou", "output_format": "json"},
                {"name": "other", "mode": "AK", "access_key_id": "LTAIOTHERFAKE", "access_key_secret": FAKE_SECRET}
            ]),
            "default",
        ),
    );
    let clock = clock();
    let provider = ProfileProvider::new(&config(&[], Some(home.path()), &clock));
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), FAKE_ID);
    assert_eq!(credentials.access_key_secret(), FAKE_SECRET);
    assert_eq!(credentials.security_token(), None);

    // The builder's profile name wins over `current`.
    let provider =
        ProfileProvider::new(&config(&[], Some(home.path()), &clock)).with_profile_name("other");
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "LTAIOTHERFAKE"
    );
}

#[tokio::test]
async fn cli_sts_token_mode_selected_by_environment() {
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        &cli_config(
            serde_json::json!([
                {"name": "default", "mode": "AK", "access_key_id": FAKE_ID, "access_key_secret": FAKE_SECRET},
                {"name": "sts", "mode": "StsToken", "access_key_id": "STS.FAKE", "access_key_secret": FAKE_SECRET,
                 "sts_token": FAKE_TOKEN}
            ]),
            "default",
        ),
    );
    let clock = clock();
    let provider = ProfileProvider::new(&config(
        &[("ALIBABA_CLOUD_PROFILE", "sts")],
        Some(home.path()),
        &clock,
    ));
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "STS.FAKE");
    assert_eq!(credentials.security_token(), Some(FAKE_TOKEN));
}

#[tokio::test]
async fn cli_ram_role_arn_mode_assumes_the_role() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-acs-action", "AssumeRole"))
        .and(query_param("RoleArn", ROLE_ARN))
        .and(query_param("RoleSessionName", "cli-session"))
        .and(query_param("DurationSeconds", "1800"))
        .and(query_param("ExternalId", "fake-ext"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sts_success("STS.CLIROLE")))
        .expect(1)
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        &cli_config(
            serde_json::json!([{
                "name": "role", "mode": "RamRoleArn", "access_key_id": FAKE_ID, "access_key_secret": FAKE_SECRET,
                "ram_role_arn": ROLE_ARN, "ram_session_name": "cli-session", "expired_seconds": 1800,
                "external_id": "fake-ext", "sts_region": "cn-shanghai", "region_id": "cn-shanghai"
            }]),
            "role",
        ),
    );
    let clock = clock();
    let provider = ProfileProvider::new(
        &config(&[], Some(home.path()), &clock).with_sts_endpoint(server.uri()),
    );
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "STS.CLIROLE");
    let requests = server.received_requests().await.unwrap();
    assert_signed_v3(&requests[0], FAKE_ID, FAKE_SECRET);
}

#[tokio::test]
async fn cli_chainable_ram_role_arn_signs_with_the_source_profile() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(query_param("RoleArn", "acs:ram::1234567890:role/first"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sts_success("STS.FIRSTHOP")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(query_param("RoleArn", "acs:ram::1234567890:role/second"))
        .and(header("x-acs-security-token", FAKE_TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(sts_success("STS.SECONDHOP")))
        .expect(1)
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        &cli_config(
            serde_json::json!([
                {"name": "base", "mode": "RamRoleArn", "access_key_id": FAKE_ID, "access_key_secret": FAKE_SECRET,
                 "ram_role_arn": "acs:ram::1234567890:role/first", "ram_session_name": "hop1"},
                {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "base",
                 "ram_role_arn": "acs:ram::1234567890:role/second", "ram_session_name": "hop2"}
            ]),
            "chained",
        ),
    );
    let clock = clock();
    let provider = ProfileProvider::new(
        &config(&[], Some(home.path()), &clock).with_sts_endpoint(server.uri()),
    );
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "STS.SECONDHOP");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_signed_v3(&requests[0], FAKE_ID, FAKE_SECRET);
    assert_signed_v3(&requests[1], "STS.FIRSTHOP", FAKE_SECRET);
}

#[tokio::test]
async fn cli_ecs_ram_role_mode_reads_metadata() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/latest/api/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string("fake-md-token"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/latest/meta-data/ram/security-credentials/CliEcsRole",
        ))
        .and(header("X-aliyun-ecs-metadata-token", "fake-md-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.CLIECS")))
        .expect(1)
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        &cli_config(
            serde_json::json!([{"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "CliEcsRole"}]),
            "ecs",
        ),
    );
    let clock = clock();
    let provider = ProfileProvider::new(
        &config(&[], Some(home.path()), &clock).with_metadata_base_url(server.uri()),
    );
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.CLIECS"
    );
}

#[tokio::test]
async fn cli_oidc_mode_exchanges_the_token_file() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(query_param("Action", "AssumeRoleWithOIDC"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sts_success("STS.CLIOIDC")))
        .expect(1)
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("oidc-token");
    std::fs::write(&token_file, "fake.cli.oidc").unwrap();
    write_cli_config(
        home.path(),
        &cli_config(
            serde_json::json!([{
                "name": "oidc", "mode": "OIDC", "ram_role_arn": ROLE_ARN,
                "oidc_provider_arn": "acs:ram::1234567890:oidc-provider/fake",
                "oidc_token_file": token_file.to_str().unwrap(), "ram_session_name": "cli-oidc"
            }]),
            "oidc",
        ),
    );
    let clock = clock();
    let provider = ProfileProvider::new(
        &config(&[], Some(home.path()), &clock).with_sts_endpoint(server.uri()),
    );
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.CLIOIDC"
    );
    let requests = server.received_requests().await.unwrap();
    let form = form(&requests[0]);
    assert_eq!(pair(&form, "OIDCToken"), Some("fake.cli.oidc"));
    assert_eq!(pair(&form, "RoleSessionName"), Some("cli-oidc"));
}

#[tokio::test]
async fn cli_credentials_uri_mode() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cli-creds"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.CLIURI")))
        .expect(1)
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        &cli_config(
            serde_json::json!([{"name": "uri", "mode": "CredentialsURI",
                                "credentials_uri": format!("{}/cli-creds", server.uri())}]),
            "uri",
        ),
    );
    let clock = clock();
    let provider = ProfileProvider::new(&config(&[], Some(home.path()), &clock));
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.CLIURI"
    );
}

#[tokio::test]
async fn cli_missing_file_or_profile_is_not_configured() {
    let home = tempfile::tempdir().unwrap();
    let clock = clock();
    let error = ProfileProvider::new(&config(&[], Some(home.path()), &clock))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(error.is_not_configured(), "{error:?}");
    assert!(error.to_string().contains("config.json"), "{error}");

    let error = ProfileProvider::new(&config(&[], None, &clock))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(error.is_not_configured(), "{error:?}");

    write_cli_config(
        home.path(),
        &cli_config(
            serde_json::json!([{"name": "default", "mode": "AK", "access_key_id": FAKE_ID, "access_key_secret": FAKE_SECRET}]),
            "default",
        ),
    );
    // A profile named in the environment may live in the INI file instead.
    let error = ProfileProvider::new(&config(
        &[("ALIBABA_CLOUD_PROFILE", "elsewhere")],
        Some(home.path()),
        &clock,
    ))
    .provide_credentials()
    .await
    .unwrap_err();
    assert!(error.is_not_configured(), "{error:?}");
    assert!(error.to_string().contains("elsewhere"), "{error}");

    let error = ProfileProvider::new(&config(
        &[("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")],
        Some(home.path()),
        &clock,
    ))
    .provide_credentials()
    .await
    .unwrap_err();
    assert!(error.is_not_configured(), "{error:?}");
}

async fn cli_error(json: &str) -> CredentialsError {
    let home = tempfile::tempdir().unwrap();
    write_cli_config(home.path(), json);
    let clock = clock();
    ProfileProvider::new(&config(&[], Some(home.path()), &clock))
        .provide_credentials()
        .await
        .unwrap_err()
}

fn assert_invalid(error: &CredentialsError, needles: &[&str]) {
    assert!(
        matches!(error, CredentialsError::InvalidConfig { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    for needle in needles {
        assert!(text.contains(needle), "missing {needle:?} in: {text}");
    }
    assert!(!text.contains(FAKE_SECRET), "{text}");
    assert!(!format!("{error:?}").contains(FAKE_SECRET));
}

#[tokio::test]
async fn cli_broken_files_are_clear_errors() {
    let error = cli_error(&format!(r#"{{"current":"default","profiles":[{{"name":"default","access_key_secret":"{FAKE_SECRET}""#)).await;
    assert_invalid(&error, &["not valid JSON", "line 1"]);

    let error = cli_error(&cli_config(
        serde_json::json!([{"name": "default", "mode": "Telepathy", "access_key_secret": FAKE_SECRET}]),
        "default",
    ))
    .await;
    assert_invalid(&error, &["unknown mode", "Telepathy", "AK, StsToken"]);

    let error = cli_error(&cli_config(
        serde_json::json!([{"name": "default", "mode": "CloudSSO"}]),
        "default",
    ))
    .await;
    assert_invalid(&error, &["CloudSSO", "not supported"]);

    let error = cli_error(&cli_config(
        serde_json::json!([{"name": "default", "mode": "AK", "access_key_id": FAKE_ID}]),
        "default",
    ))
    .await;
    assert_invalid(&error, &["access_key_secret", "profile 'default'"]);

    let error = cli_error(&cli_config(
        serde_json::json!([{"name": "default", "mode": "StsToken", "access_key_id": FAKE_ID, "access_key_secret": FAKE_SECRET}]),
        "default",
    ))
    .await;
    assert_invalid(&error, &["sts_token"]);

    let error = cli_error(&cli_config(
        serde_json::json!([{"name": "a", "mode": "AK", "access_key_id": FAKE_ID, "access_key_secret": FAKE_SECRET}]),
        "gone",
    ))
    .await;
    assert_invalid(&error, &["'gone'", "not defined"]);

    let error = cli_error(&cli_config(
        serde_json::json!([
            {"name": "a", "mode": "ChainableRamRoleArn", "source_profile": "b", "ram_role_arn": ROLE_ARN},
            {"name": "b", "mode": "ChainableRamRoleArn", "source_profile": "a", "ram_role_arn": ROLE_ARN}
        ]),
        "a",
    ))
    .await;
    assert_invalid(&error, &["loop", "a -> b -> a"]);

    let error = cli_error(&cli_config(
        serde_json::json!([{"name": "a", "mode": "RamRoleArn", "access_key_id": FAKE_ID,
                            "access_key_secret": FAKE_SECRET, "ram_role_arn": ROLE_ARN, "expired_seconds": "soon"}]),
        "a",
    ))
    .await;
    assert_invalid(&error, &["expired_seconds"]);

    let error = cli_error(&cli_config(
        serde_json::json!([{"name": "a", "mode": "RamRoleArn", "access_key_id": FAKE_ID,
                            "access_key_secret": FAKE_SECRET, "ram_role_arn": ROLE_ARN, "expired_seconds": 60}]),
        "a",
    ))
    .await;
    assert_invalid(&error, &["900"]);
}

#[tokio::test]
async fn cli_profile_without_mode_is_recognized_from_its_fields() {
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        &cli_config(
            serde_json::json!([{"name": "default", "access_key_id": FAKE_ID, "access_key_secret": FAKE_SECRET}]),
            "default",
        ),
    );
    let clock = clock();
    let provider = ProfileProvider::new(&config(&[], Some(home.path()), &clock));
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        FAKE_ID
    );
}

// ------------------------------------------------------------------ INI file

#[tokio::test]
async fn ini_access_key_in_default_section() {
    let home = tempfile::tempdir().unwrap();
    write_ini(
        home.path(),
        "credentials",
        &format!(
            "[default]\ntype = access_key   # long-lived\naccess_key_id = {FAKE_ID}\naccess_key_secret = {FAKE_SECRET}\n"
        ),
    );
    let clock = clock();
    let provider = IniFileProvider::new(&config(&[], Some(home.path()), &clock));
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), FAKE_ID);
    assert_eq!(credentials.access_key_secret(), FAKE_SECRET);
}

#[tokio::test]
async fn ini_sts_in_named_section_and_python_file_name() {
    let home = tempfile::tempdir().unwrap();
    write_ini(
        home.path(),
        "credentials.ini",
        &format!(
            "[default]\ntype = access_key\naccess_key_id = x\naccess_key_secret = y\n\n[dev]\ntype = sts\naccess_key_id = STS.INI\naccess_key_secret = {FAKE_SECRET}\nsecurity_token = {FAKE_TOKEN}\n"
        ),
    );
    let clock = clock();
    let provider = IniFileProvider::new(&config(
        &[("ALIBABA_CLOUD_PROFILE", "dev")],
        Some(home.path()),
        &clock,
    ));
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "STS.INI");
    assert_eq!(credentials.security_token(), Some(FAKE_TOKEN));
}

#[tokio::test]
async fn ini_file_named_by_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("my-creds");
    std::fs::write(
        &file,
        format!(
            "[default]\ntype=access_key\naccess_key_id={FAKE_ID}\naccess_key_secret={FAKE_SECRET}\n"
        ),
    )
    .unwrap();
    let clock = clock();
    let provider = IniFileProvider::new(&config(
        &[("ALIBABA_CLOUD_CREDENTIALS_FILE", file.to_str().unwrap())],
        None,
        &clock,
    ));
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        FAKE_ID
    );

    let error = IniFileProvider::new(&config(
        &[("ALIBABA_CLOUD_CREDENTIALS_FILE", "/nonexistent/fake/creds")],
        None,
        &clock,
    ))
    .provide_credentials()
    .await
    .unwrap_err();
    assert_invalid(&error, &["/nonexistent/fake/creds"]);
}

#[tokio::test]
async fn ini_ram_role_arn_assumes_the_role() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-acs-action", "AssumeRole"))
        .and(query_param("RoleArn", ROLE_ARN))
        .and(query_param("RoleSessionName", "ini-session"))
        .and(query_param("DurationSeconds", "7200"))
        .and(query_param("Policy", r#"{"Version":"1"}"#))
        .respond_with(ResponseTemplate::new(200).set_body_json(sts_success("STS.INIROLE")))
        .expect(1)
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    write_ini(
        home.path(),
        "credentials",
        &format!(
            "[default]\ntype = ram_role_arn\naccess_key_id = {FAKE_ID}\naccess_key_secret = {FAKE_SECRET}\nrole_arn = {ROLE_ARN}\nrole_session_name = ini-session\nrole_session_expiration = 7200\npolicy = {{\"Version\":\"1\"}}\n"
        ),
    );
    let clock = clock();
    let provider = IniFileProvider::new(
        &config(&[], Some(home.path()), &clock).with_sts_endpoint(server.uri()),
    );
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.INIROLE"
    );
    let requests = server.received_requests().await.unwrap();
    assert_signed_v3(&requests[0], FAKE_ID, FAKE_SECRET);
}

#[tokio::test]
async fn ini_oidc_role_arn_exchanges_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(query_param("Action", "AssumeRoleWithOIDC"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sts_success("STS.INIOIDC")))
        .expect(1)
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("token");
    std::fs::write(&token_file, "fake.ini.oidc").unwrap();
    write_ini(
        home.path(),
        "credentials",
        &format!(
            "[default]\ntype = oidc_role_arn\nrole_arn = {ROLE_ARN}\noidc_provider_arn = acs:ram::1234567890:oidc-provider/fake\noidc_token_file_path = {}\nrole_session_name = ini-oidc\n",
            token_file.display()
        ),
    );
    let clock = clock();
    let provider = IniFileProvider::new(
        &config(&[], Some(home.path()), &clock).with_sts_endpoint(server.uri()),
    );
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.INIOIDC"
    );
    let requests = server.received_requests().await.unwrap();
    let form = form(&requests[0]);
    assert_eq!(pair(&form, "OIDCToken"), Some("fake.ini.oidc"));
    assert_eq!(pair(&form, "RoleSessionName"), Some("ini-oidc"));
}

#[tokio::test]
async fn ini_ecs_ram_role_reads_metadata() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_string("fake-md-token"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/latest/meta-data/ram/security-credentials/IniEcsRole",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.INIECS")))
        .expect(1)
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    write_ini(
        home.path(),
        "credentials",
        "[default]\ntype = ecs_ram_role\nrole_name = IniEcsRole\n",
    );
    let clock = clock();
    let provider = IniFileProvider::new(
        &config(&[], Some(home.path()), &clock).with_metadata_base_url(server.uri()),
    );
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.INIECS"
    );
}

#[tokio::test]
async fn ini_missing_file_or_section_is_not_configured() {
    let home = tempfile::tempdir().unwrap();
    let clock = clock();
    let error = IniFileProvider::new(&config(&[], Some(home.path()), &clock))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(error.is_not_configured(), "{error:?}");

    write_ini(
        home.path(),
        "credentials",
        "[prod]\ntype = access_key\naccess_key_id = a\naccess_key_secret = b\n",
    );
    let error = IniFileProvider::new(&config(&[], Some(home.path()), &clock))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(error.is_not_configured(), "{error:?}");
    assert!(error.to_string().contains("[default]"), "{error}");
}

async fn ini_error(text: &str) -> CredentialsError {
    let home = tempfile::tempdir().unwrap();
    write_ini(home.path(), "credentials", text);
    let clock = clock();
    IniFileProvider::new(&config(&[], Some(home.path()), &clock))
        .provide_credentials()
        .await
        .unwrap_err()
}

#[tokio::test]
async fn ini_broken_files_are_clear_errors() {
    let error = ini_error(&format!("[default]\ntype = access_key\n{FAKE_SECRET}\n")).await;
    assert_invalid(&error, &["malformed", "line 3"]);

    let error = ini_error(&format!("[default\naccess_key_secret = {FAKE_SECRET}\n")).await;
    assert_invalid(&error, &["malformed", "line 1"]);

    let error = ini_error(&format!(
        "[default]\ntype = magic\naccess_key_secret = {FAKE_SECRET}\n"
    ))
    .await;
    assert_invalid(&error, &["unknown type", "magic", "access_key, sts"]);

    let error = ini_error(&format!(
        "[default]\naccess_key_id = a\naccess_key_secret = {FAKE_SECRET}\n"
    ))
    .await;
    assert_invalid(&error, &["`type` is missing"]);

    let error =
        ini_error("[default]\ntype = sts\naccess_key_id = a\naccess_key_secret = b\n").await;
    assert_invalid(&error, &["security_token"]);

    let error = ini_error(&format!(
        "[default]\ntype = ram_role_arn\naccess_key_id = a\naccess_key_secret = {FAKE_SECRET}\n"
    ))
    .await;
    assert_invalid(&error, &["role_arn"]);

    let error = ini_error("[default]\ntype = rsa_key_pair\npublic_key_id = x\n").await;
    assert_invalid(&error, &["rsa_key_pair", "not supported"]);
}
