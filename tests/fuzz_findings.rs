//! What fuzzing found (`make fuzz`, docs/FUZZING.md): each input that crashed, hung or blew up
//! a target, kept in `tests/fixtures/fuzz/` or built here, must now come back as an error that
//! says what is wrong.

use std::path::{Path, PathBuf};

use vivant::neural::weights::read_file;
use vivant::neural::{Config, Format, Network, NeuralError};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(name)
}

/// `neural_config`: a `config.json` with 66 dense motion blocks made the crop's multiple
/// 2^68, a shift that overflowed (a panic) before any check; counts this large, and the other
/// shifts and products the checks make, are refused with the value named.
#[test]
fn config_counts_that_overflow_are_refused() {
    let found = std::fs::read_to_string(fixture("config_dense_blocks_66.json")).unwrap();
    let err = Config::from_json(&found).expect_err("66 dense motion blocks");
    assert!(err.contains("num_blocks 66"), "{err}");
    for (json, says) in [
        (
            r#"{"warping_module_params": {"dense_motion_params": {"num_blocks": 64}}}"#,
            "dense motion num_blocks 64",
        ),
        (
            r#"{"appearance_feature_extractor_params": {"num_down_blocks": 18446744073709551615}}"#,
            "appearance num_down_blocks 18446744073709551615",
        ),
        (
            r#"{"spade_generator_params": {"num_down_blocks": 64}}"#,
            "generator num_down_blocks 64",
        ),
        (
            r#"{"warping_module_params": {"num_down_blocks": 70}}"#,
            "warping num_down_blocks 70",
        ),
        (
            r#"{"appearance_feature_extractor_params": {"num_down_blocks": 5},
                "warping_module_params": {"dense_motion_params": {"num_blocks": 5}}}"#,
            "halve the crop 10 times",
        ),
        (
            r#"{"appearance_feature_extractor_params": {"reshape_channel": 4294967296, "reshape_depth": 4294967296}}"#,
            "appearance reshape_channel 4294967296",
        ),
        (
            r#"{"motion_extractor_params": {"num_kp": 3074457345618258603},
                "warping_module_params": {"num_kp": 3074457345618258603}}"#,
            "motion num_kp 3074457345618258603",
        ),
        (
            r#"{"stitching_retargeting_module_params": {"eye": {"input_size": 66, "hidden_sizes": [18446744073709551615], "output_size": 63}}}"#,
            "eye MLP hidden size",
        ),
    ] {
        let err = Config::from_json(json).expect_err(json);
        assert!(err.contains(says), "{json}: {err}");
    }
    // The reference's sizes still pass, as does the largest crop's worth of halving.
    Config::from_json("{}").expect("the defaults");
    Config::from_json(
        r#"{"input_size": 512, "warping_module_params": {"dense_motion_params": {"num_blocks": 7}}}"#,
    )
    .expect("2 + 7 halvings of a 512 crop");
}

/// `checkpoint`: PyTorch files whose pickle holds a 9-byte integer (a shift past 64 bits) or a
/// storage tuple one item short made candle's pickle reader panic; they are unreadable
/// checkpoints, said as such, for every network.
#[test]
fn damaged_pth_pickles_are_unreadable_not_a_crash() {
    for (name, says) in [
        ("pth_long_integer.pth", "shift left with overflow"),
        ("pth_short_storage.pth", "removal index"),
    ] {
        let path = fixture(name);
        for network in Network::ALL {
            match read_file(&path, network, Format::Pth) {
                // The stitching module's file is read by its groups' keys, which these lack
                // (where the reader gets that far).
                Err(NeuralError::Unreadable { reason, .. }) if network == Network::Stitching => {
                    assert!(
                        reason.contains("state dict") || reason.contains("damaged"),
                        "{name}: {reason}"
                    );
                }
                Err(NeuralError::Unreadable { reason, .. }) => {
                    assert!(reason.contains("damaged"), "{name}: {reason}");
                    assert!(reason.contains(says), "{name}: {reason}");
                }
                other => panic!("{name} as {network:?}: {other:?}"),
            }
        }
    }
}

/// Beside `checkpoint`'s findings (read in the code it reaches, then replayed through it): a
/// spectral-normed weight of shape [2, 0] was stepped through 0 values at a time, a panic; it
/// is a damaged tensor, named.
#[test]
fn an_empty_spectral_normed_weight_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty_weight.safetensors");
    let tensors = [
        ("conv.weight_orig", vec![2, 0], Vec::new()),
        ("conv.weight_u", vec![2], [0.6f32, 0.8].to_vec()),
        ("conv.weight_v", vec![0], Vec::new()),
    ];
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for (name, shape, values) in tensors {
        let start = data.len();
        data.extend(values.iter().flat_map(|v: &f32| v.to_le_bytes()));
        header.insert(
            name.into(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [start, data.len()]}),
        );
    }
    let header = serde_json::to_vec(&header).unwrap();
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend(header);
    file.extend(data);
    std::fs::write(&path, file).unwrap();
    match read_file(&path, Network::Appearance, Format::Safetensors) {
        Err(NeuralError::Tensor { name, problem, .. }) => {
            assert_eq!(name, "conv.weight_orig");
            assert!(problem.contains("holds no weights"), "{problem}");
        }
        other => panic!("{other:?}"),
    }
}
