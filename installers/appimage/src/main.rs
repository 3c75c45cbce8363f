//! `vivant-appimage STAGING OUT.AppImage`: the AppDir laid out in STAGING (by
//! installers/build.sh) packed into OUT.AppImage.

use std::path::PathBuf;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [staging, out] = args.as_slice() else {
        bail!("usage: vivant-appimage STAGING_DIR OUT.AppImage");
    };
    let work = out
        .parent()
        .context("the AppImage's folder")?
        .join("appimage-work");
    std::fs::create_dir_all(&work)?;
    let image = appimage::AppImage::new(&work, "vivant".into())?;
    image
        .add_directory(staging, std::path::Path::new("."))
        .context("copying the AppDir")?;
    image.build(out, None).context("packing the AppImage")?;
    std::fs::remove_dir_all(&work).ok();
    println!("wrote {}", out.display());
    Ok(())
}
