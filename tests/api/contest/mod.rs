//! Contest rules, one file per rule: the draw, an attempt's life, time, scoring and
//! ranking, the grouped writer, and oversight.

use serde_json::Value;

mod attempt;
mod deadline;
mod draw;
mod oversight;
mod ranking;
mod writer;

/// Fails if any key of a participant-facing body could reveal correctness.
fn assert_reveals_nothing(body: &Value) {
    match body {
        Value::Object(map) => {
            for (k, v) in map {
                // `correct` as a count of right answers (a result) is fine; as a flag it is a key.
                let flag = k == "correct" && v.is_boolean();
                assert!(
                    !flag
                        && !matches!(
                            k.as_str(),
                            "explanation" | "source" | "answered_correctly" | "feedback"
                        ),
                    "a participant response carries `{k}`: {body}"
                );
                assert_reveals_nothing(v);
            }
        }
        Value::Array(items) => items.iter().for_each(assert_reveals_nothing),
        _ => {}
    }
}
