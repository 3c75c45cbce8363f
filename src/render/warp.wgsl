// The warp engine on the GPU: each control-mesh triangle drawn at its target position,
// textured from its source position (affine across the triangle, bilinear sampling), exactly
// the CPU back end's mapping. A triangle drawn smaller than its source reads the mip level the
// CPU back end computed for it (trilinear), so a shrinking face is prefiltered the same way.

struct Size {
    width: f32,
    height: f32,
    src_width: f32,
    src_height: f32,
};

@group(0) @binding(0) var<uniform> size: Size;
@group(0) @binding(1) var source: texture_2d<f32>;
@group(0) @binding(2) var samp: sampler;

struct VOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) uv: vec2<f32>,
    @location(1) @interpolate(flat) lod: f32,
};

@vertex
fn vs(
    @location(0) target_px: vec2<f32>,
    @location(1) source_px: vec2<f32>,
    @location(2) lod: f32,
) -> VOut {
    var out: VOut;
    out.pos = vec4<f32>(
        target_px.x / size.width * 2.0 - 1.0,
        1.0 - target_px.y / size.height * 2.0,
        0.0,
        1.0,
    );
    out.uv = source_px / vec2<f32>(size.src_width, size.src_height);
    out.lod = lod;
    return out;
}

@fragment
fn fs(in: VOut) -> @location(0) vec4<f32> {
    return textureSampleLevel(source, samp, in.uv, in.lod);
}
