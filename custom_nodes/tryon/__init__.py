"""Photo try-on around the diffusion step: parsing, pose, agnostic masks, garment warp and blending."""
