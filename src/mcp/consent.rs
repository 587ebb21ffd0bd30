//! A person's consent to `msf_apply_change`: asked by elicitation where the
//! client and protocol allow it, by an input-required round on protocol
//! 2026-07-28, and read back only as the answer to a question this server
//! sealed.

use rmcp::{
    RoleServer,
    model::{ElicitRequest, ElicitRequestParams, InputRequest, InputRequests, InputRequiredResult},
    service::RequestContext,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::sandbox::{Consent, Sandbox, args::ApplyArgs, plan::PlanView};

/// What the person types to confirm a change.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Confirmation {
    /// Type the application name exactly to apply the change.
    pub application: String,
    /// The current 6-digit code of your MFA device, when the policy asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_code: Option<String>,
}

/// Consent from a typed name and an optional MFA code.
pub(super) fn confirmed(mfa_code: Option<&str>) -> Consent {
    match mfa_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Consent::ConfirmedWithCode(code.to_string()),
        None => Consent::Confirmed,
    }
}
rmcp::elicit_safe!(Confirmation);

/// Key of the confirmation in an input-required round.
pub(super) const CONFIRM_KEY: &str = "confirm";

/// The question a person answers: what will happen, and what to type.
pub(super) fn confirmation_message(view: &PlanView, needs_code: bool) -> String {
    format!(
        "msf-mcp wants to apply {} to `{}` ({} risk: {}). Type the application name to confirm{}.",
        view.outcome.request["operation"]
            .as_str()
            .unwrap_or("a change"),
        view.application,
        view.outcome.risk,
        view.outcome.risk_reasons.join("; "),
        if needs_code {
            ", and the current 6-digit code of your MFA device"
        } else {
            ""
        }
    )
}

/// The input-required result that asks the person to type the application name.
pub(super) fn input_required(
    view: &PlanView,
    state: String,
    needs_code: bool,
) -> InputRequiredResult {
    let schema = serde_json::from_value(serde_json::json!({
        "type": "object",
        "properties": {
            "application": {"type": "string", "description": "Type the application name exactly to apply the change"},
            "mfa_code": {"type": "string", "description": "The current 6-digit code of your MFA device, when the policy asks for one"}
        },
        "required": ["application"]
    }));
    let mut requests = InputRequests::new();
    if let Ok(requested_schema) = schema {
        requests.insert(
            CONFIRM_KEY.to_string(),
            InputRequest::Elicitation(ElicitRequest::new(
                ElicitRequestParams::FormElicitationParams {
                    meta: None,
                    message: confirmation_message(view, needs_code),
                    requested_schema,
                },
            )),
        );
    }
    InputRequiredResult::new(Some(requests), Some(state))
}

/// Reads the person's answer from an input-required round.
pub(super) fn consent_from(
    answer: &serde_json::Value,
    a: &ApplyArgs,
    sandbox: &Sandbox,
    gate: impl Fn(
        crate::workflow::gates::Action,
        &[String],
    ) -> Result<(), crate::workflow::gates::Refusal>,
) -> Consent {
    let Ok(view) = sandbox.preview_apply(a, gate) else {
        return Consent::Unavailable;
    };
    match (
        answer["action"].as_str(),
        answer["content"]["application"].as_str(),
    ) {
        (Some("accept"), Some(name)) if name.trim() == view.application => {
            confirmed(answer["content"]["mfa_code"].as_str())
        }
        (Some("accept"), Some(name)) => Consent::Declined(format!(
            "typed `{}`, not the application name",
            crate::corpus::preview(name, 60)
        )),
        (Some(action), _) => Consent::Declined(action.to_string()),
        _ => Consent::Declined("no answer".into()),
    }
}

/// Returns true if and only if the client declared elicitation and the
/// protocol still allows server-to-client requests.
pub(super) fn can_elicit(context: &RequestContext<RoleServer>) -> bool {
    let declared = context
        .peer
        .peer_info()
        .is_some_and(|i| i.capabilities.elicitation.is_some());
    let legacy = context
        .protocol_version()
        .is_none_or(|v| v.as_str() < "2026-07-28");
    declared && legacy
}
