//! The warp engine's GPU back end (wgpu): the same control mesh and mapping as the CPU back end
//! (`warp.wgsl`), drawn as textured triangles into an offscreen texture and read back. Runs on
//! any adapter wgpu finds — a real GPU, or Mesa's software Vulkan (lavapipe) on a headless
//! machine, which is how CI tests it.

use std::sync::{Arc, Mutex};

use crate::geometry::Face68;
use image::RgbImage;
use wgpu::util::DeviceExt;

use super::details::DetailLayer;
use super::mouth::DriverMouth;
use super::warp::MeshWarp;

#[derive(Clone, Debug, thiserror::Error)]
pub enum GpuError {
    #[error(
        "no GPU adapter found ({0}); on Linux install mesa-vulkan-drivers for a software one, or use --backend cpu"
    )]
    NoAdapter(String),
    #[error("GPU device: {0}")]
    Device(String),
    #[error("GPU read-back failed: {0}")]
    ReadBack(String),
    #[error("image {0}×{1} is larger than this GPU's textures ({2} pixels a side)")]
    TooLarge(u32, u32, u32),
}

/// Per vertex: target position, source position (pixels), the triangle's mip level.
const VERTEX_BYTES: usize = 20;

/// Whether a GPU can be used here: the adapter's name, or why not. Studio and command line
/// ask once, before offering the GPU back end.
pub fn probe() -> Result<String, GpuError> {
    open_device().map(|(_, _, name)| name)
}

/// The best adapter and a device on it.
fn open_device() -> Result<(wgpu::Device, wgpu::Queue, String), GpuError> {
    // Vulkan, Metal, DX12: the GL path probes windowing systems a headless render does not
    // need (and prints about a missing display).
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::PRIMARY,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        force_fallback_adapter: false,
        compatible_surface: None,
        apply_limit_buckets: false,
    }))
    .map_err(|e| GpuError::NoAdapter(e.to_string()))?;
    let adapter_name = adapter.get_info().name;
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("vivant warp"),
        required_limits: adapter.limits(),
        ..Default::default()
    }))
    .map_err(|e| GpuError::Device(e.to_string()))?;
    Ok((device, queue, adapter_name))
}

/// A GPU warp for one source image.
pub struct GpuWarp {
    device: wgpu::Device,
    queue: wgpu::Queue,
    pipeline: wgpu::RenderPipeline,
    bind_group: wgpu::BindGroup,
    target: wgpu::Texture,
    readback: wgpu::Buffer,
    width: u32,
    height: u32,
    padded_row: u32,
    adapter_name: String,
    /// The first error wgpu reported outside a call's result (it panics by default).
    errors: Arc<Mutex<Option<String>>>,
}

impl GpuWarp {
    /// Upload `engine`'s source image and build the pipeline.
    pub fn new(engine: &MeshWarp) -> Result<Self, GpuError> {
        let (device, queue, adapter_name) = open_device()?;
        let errors: Arc<Mutex<Option<String>>> = Arc::default();
        let sink = errors.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut slot) = sink.lock() {
                slot.get_or_insert_with(|| e.to_string());
            }
        }));
        let src = engine.source();
        let (width, height) = src.dimensions();
        let max = device.limits().max_texture_dimension_2d;
        if width > max || height > max {
            return Err(GpuError::TooLarge(width, height, max));
        }
        let extent = wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        };
        // The CPU back end's mip pyramid, level by level, so both shrink a face alike.
        let levels = engine.pyramid().levels();
        let source = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("source"),
            size: extent,
            mip_level_count: levels.len() as u32,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba8Unorm,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        for (k, level) in levels.iter().enumerate() {
            let (w, h) = level.dimensions();
            let rgba: Vec<u8> = level
                .as_raw()
                .chunks_exact(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect();
            queue.write_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &source,
                    mip_level: k as u32,
                    origin: wgpu::Origin3d::ZERO,
                    aspect: wgpu::TextureAspect::All,
                },
                &rgba,
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(w * 4),
                    rows_per_image: Some(h),
                },
                wgpu::Extent3d {
                    width: w,
                    height: h,
                    depth_or_array_layers: 1,
                },
            );
        }
        let target = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("frame"),
            size: extent,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba8Unorm,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let padded_row = (width * 4).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("read-back"),
            size: padded_row as u64 * height as u64,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let sizes: [f32; 4] = [width as f32, height as f32, width as f32, height as f32];
        let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("size"),
            contents: &sizes
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<u8>>(),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            address_mode_u: wgpu::AddressMode::ClampToEdge,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            mipmap_filter: wgpu::MipmapFilterMode::Linear,
            ..Default::default()
        });
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("warp"),
            source: wgpu::ShaderSource::Wgsl(include_str!("warp.wgsl").into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("warp"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::VERTEX,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let view = source.create_view(&wgpu::TextureViewDescriptor::default());
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("warp"),
            layout: &layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: uniform.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&view),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::Sampler(&sampler),
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("warp"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let attributes = wgpu::vertex_attr_array![0 => Float32x2, 1 => Float32x2, 2 => Float32];
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("warp"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &shader,
                entry_point: Some("vs"),
                compilation_options: Default::default(),
                buffers: &[Some(wgpu::VertexBufferLayout {
                    array_stride: VERTEX_BYTES as u64,
                    step_mode: wgpu::VertexStepMode::Vertex,
                    attributes: &attributes,
                })],
            },
            primitive: wgpu::PrimitiveState {
                topology: wgpu::PrimitiveTopology::TriangleList,
                cull_mode: None,
                ..Default::default()
            },
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &shader,
                entry_point: Some("fs"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format: wgpu::TextureFormat::Rgba8Unorm,
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        let warp = Self {
            device,
            queue,
            pipeline,
            bind_group,
            target,
            readback,
            width,
            height,
            padded_row,
            adapter_name,
            errors,
        };
        warp.check()?;
        Ok(warp)
    }

    /// The error wgpu reported since the last check, if any.
    fn check(&self) -> Result<(), GpuError> {
        match self.errors.lock().ok().and_then(|mut e| e.take()) {
            Some(e) => Err(GpuError::Device(e)),
            None => Ok(()),
        }
    }

    /// The adapter in use (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)" for the software one).
    pub fn adapter(&self) -> &str {
        &self.adapter_name
    }

    /// `engine`'s frame for `target`, drawn on the GPU (expression details, eyes opened wider
    /// and the mouth's inside on the CPU, from `driver` and `details` where the clip gives
    /// them, as `MeshWarp::render_detailed` does).
    pub fn render(
        &self,
        engine: &MeshWarp,
        target: &Face68,
        driver: Option<DriverMouth>,
        details: Option<&DetailLayer>,
    ) -> Result<RgbImage, GpuError> {
        let mesh = engine.mesh(target);
        let lods = mesh.lods();
        let (moved, source, triangles) = (&mesh.moved, mesh.source, mesh.triangles);
        let mut vertices: Vec<u8> = Vec::with_capacity(triangles.len() * 3 * VERTEX_BYTES);
        for (t, lod) in triangles.iter().zip(&lods) {
            for &v in t {
                for x in [moved[v][0], moved[v][1], source[v][0], source[v][1], *lod] {
                    vertices.extend_from_slice(&x.to_le_bytes());
                }
            }
        }
        let vb = self
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("mesh"),
                contents: &vertices,
                usage: wgpu::BufferUsages::VERTEX,
            });
        let view = self
            .target
            .create_view(&wgpu::TextureViewDescriptor::default());
        let mut enc = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("warp"),
            });
        {
            let mut pass = enc.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("warp"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.set_vertex_buffer(0, vb.slice(..));
            pass.draw(0..(triangles.len() * 3) as u32, 0..1);
        }
        enc.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &self.target,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &self.readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.padded_row),
                    rows_per_image: Some(self.height),
                },
            },
            wgpu::Extent3d {
                width: self.width,
                height: self.height,
                depth_or_array_layers: 1,
            },
        );
        self.queue.submit([enc.finish()]);
        let slice = self.readback.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: None,
                timeout: None,
            })
            .map_err(|e| GpuError::ReadBack(e.to_string()))?;
        self.check()?;
        rx.recv()
            .map_err(|e| GpuError::ReadBack(e.to_string()))?
            .map_err(|e| GpuError::ReadBack(e.to_string()))?;
        let mut rgb = Vec::with_capacity(self.width as usize * self.height as usize * 3);
        {
            let data = slice
                .get_mapped_range()
                .map_err(|e| GpuError::ReadBack(e.to_string()))?;
            for row in data.chunks_exact(self.padded_row as usize) {
                for p in row[..self.width as usize * 4].chunks_exact(4) {
                    rgb.extend_from_slice(&p[..3]);
                }
            }
        }
        self.readback.unmap();
        let mut img = RgbImage::from_raw(self.width, self.height, rgb)
            .ok_or_else(|| GpuError::ReadBack("short image".into()))?;
        // The first 68 control points are the landmarks.
        engine.paint_inside(
            &mut img,
            &Face68::from(std::array::from_fn(|i| moved[i])),
            driver,
            details,
        );
        Ok(img)
    }
}
