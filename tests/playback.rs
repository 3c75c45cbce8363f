//! Playback through a real sound output: rodio and cpal open ALSA's `null` device, which takes
//! samples as fast as they come (it keeps no time) and discards them. So this checks the path
//! from FFmpeg through rodio to a device, and the clock's bookkeeping — where in the file the
//! device is, in media seconds — not real-time pacing (a sound card's job).

mod common;

use std::time::Duration;

use vivant::studio::playback::Player;

#[test]
fn the_device_clock_counts_media_time_then_hands_over_to_the_wall_clock() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".asoundrc"),
        "pcm.!default {\n  type null\n}\n",
    )
    .unwrap();
    // This binary's only test, so nothing else reads the environment meanwhile.
    unsafe { std::env::set_var("HOME", home.path()) };
    let mut p = Player::new(true);
    assert!(p.has_sound(), "the null device opens: {:?}", p.notice);
    let speech = common::fixture("speech_librivox_0870.wav");
    let duration = 7.1;
    p.play(1.0, 1.0, Some((&speech, 0.0)));
    assert!(p.audio_clock());
    std::thread::sleep(Duration::from_millis(800));
    // The device drained the file: the clock stands at its end (48 kHz stereo samples
    // counted back into seconds of the file)…
    let t = p.position().unwrap();
    assert!((t - duration).abs() < 0.05, "the sound ended at {t} s");
    // …and carries on by the wall clock, so the picture plays to its own end.
    assert!(!p.audio_clock());
    std::thread::sleep(Duration::from_millis(200));
    let later = p.position().unwrap();
    assert!(later - t > 0.15 && later - t < 0.5, "{t} → {later}");
    p.stop();
    assert!(p.position().is_none());
}
