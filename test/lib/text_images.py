"""Rendered text images for accuracy checks on real models, without a network.

Two kinds of labelled or realistic inputs for the PaddleOCR models in
../shared/models/, drawn with Pillow and the DejaVu fonts of Debian's
fonts-dejavu-core:

  render_direction_set(n, seed) -> (inputs [N,3,48,192] float32, labels [N] int64)
      Text-line crops for the text-direction classifier
      (ppocr_mobile_v2_cls.onnx): label 1 when the crop is rotated by 180
      degrees, 0 when upright; half of each set is rotated.
  render_documents(n, seed, size) -> inputs [N,3,size,size] float32
      Document-like pages for the text detector (ppocr_v4_det.onnx).

Both are deterministic for a given seed (numpy's default_rng drives every
choice, and Pillow's text rendering is deterministic for a given font file),
and different seeds give disjoint-in-practice sets, e.g. an evaluation set and
a calibration set.

The preprocessing follows PaddleOCR's inference code for each model, so that
the models see what they were trained on: see preprocess_direction_crop and
preprocess_document.
"""
import math
import os
import string

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
# Only the faces of fonts-dejavu-core (the package scripts/setup.sh installs),
# listed explicitly rather than globbed: with fonts-dejavu-extra also
# installed, a glob would pick other faces and change every rendered set.
FONT_FILES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
)

# The text-direction classifier's input: PaddleOCR's cls_image_shape.
DIRECTION_SHAPE = (3, 48, 192)

# PaddleOCR's detector normalization (NormalizeImage in its det config).
DETECTOR_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
DETECTOR_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

WORD_ALPHABET = string.ascii_letters + string.digits


def font_paths():
    """Absolute paths of the fonts used; raises with the package to install
    when they are missing (a caller that can skip should check first)."""
    paths = [os.path.join(FONT_DIR, name) for name in FONT_FILES]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise FileNotFoundError(
            "missing DejaVu fonts (install the Debian package fonts-dejavu-core): "
            + ", ".join(missing))
    return paths


_font_cache = {}


def _font(path, size):
    # Loading a FreeType face per sample is the slowest part of rendering.
    key = (path, size)
    if key not in _font_cache:
        _font_cache[key] = ImageFont.truetype(path, size)
    return _font_cache[key]


def random_line(rng, min_words, max_words):
    """Words of random letters and digits, mixed case, separated by spaces.
    Random text rather than a dictionary: nothing to download, and the
    classifier must rely on glyph shapes alone (as it does on names, codes
    and numbers in real documents)."""
    words = []
    for _ in range(int(rng.integers(min_words, max_words + 1))):
        length = int(rng.integers(1, 9))
        words.append("".join(WORD_ALPHABET[i] for i in
                             rng.integers(0, len(WORD_ALPHABET), length)))
    return " ".join(words)


def _add_noise(image, rng, sigma):
    """Gaussian pixel noise on an 8-bit grayscale image (sensor noise,
    JPEG-like grain)."""
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels + rng.normal(0.0, sigma, pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8))


def _text_crop(rng):
    """One text-line crop as an 8-bit grayscale image: text drawn on a
    canvas, cut around its ink with a margin, as a detector's box would
    cut it out of a page."""
    font = _font(font_paths()[int(rng.integers(len(FONT_FILES)))],
                 int(rng.integers(22, 49)))
    text = random_line(rng, 2, 4)
    # Dark text on a light background for most crops (printed documents),
    # light on dark for the rest (signs, inverted headers); at least 90
    # gray levels of contrast so the text stays legible after noise.
    dark_on_light = rng.random() < 0.8
    background = int(rng.integers(170, 256)) if dark_on_light else int(rng.integers(0, 86))
    contrast = int(rng.integers(90, 171))
    foreground = max(0, background - contrast) if dark_on_light else min(255, background + contrast)

    left, top, right, bottom = font.getbbox(text)
    pad = font.size  # room to draw without clipping; cut away below
    canvas = Image.new("L", (right + 2 * pad, bottom + 2 * pad), background)
    ImageDraw.Draw(canvas).text((pad, pad), text, font=font, fill=foreground)

    # The ink box, widened by a random margin: detector boxes are dilated
    # around the text (PaddleOCR's unclip ratio), more vertically than
    # horizontally relative to the line's length.
    ink_height = bottom - top
    margin_x = int(round(ink_height * rng.uniform(0.05, 0.4)))
    margin_top = int(round(ink_height * rng.uniform(0.05, 0.3)))
    margin_bottom = int(round(ink_height * rng.uniform(0.05, 0.3)))
    box = (pad + left - margin_x, pad + top - margin_top,
           pad + right + margin_x, pad + bottom + margin_bottom)
    crop = canvas.crop(box)  # areas beyond the canvas would be black: the
    # margins are below `pad` (at most 0.4 of the font size), so none are.

    if rng.random() < 0.3:
        crop = crop.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    return _add_noise(crop, rng, rng.uniform(0.0, 8.0))


def preprocess_direction_crop(image):
    """PaddleOCR's classifier preprocessing (resize_norm_img of
    TextClassifier, image shape 3x48x192): resize to height 48 keeping the
    aspect ratio (width ceil(48*w/h), squeezed to 192 when wider), scale to
    [0,1], normalize to (x-0.5)/0.5, pad with zeros on the right to width
    192, CHW. `image` is a PIL image; gray images become three equal
    channels, so the RGB/BGR order does not matter for them."""
    channels, height, width = DIRECTION_SHAPE
    w, h = image.size
    resized_width = min(width, int(math.ceil(height * w / h)))
    resized = image.convert("RGB").resize((resized_width, height), Image.BILINEAR)
    pixels = np.asarray(resized, dtype=np.float32).transpose(2, 0, 1) / 255.0
    out = np.zeros(DIRECTION_SHAPE, dtype=np.float32)
    out[:, :, :resized_width] = (pixels - 0.5) / 0.5
    return out


def render_direction_set(n, seed):
    """`n` preprocessed text-line crops and their labels (1: rotated by 180
    degrees, 0: upright). Exactly half (rounded down) are rotated, in a
    shuffled order, so a constant answer scores 50%."""
    rng = np.random.default_rng(seed)
    labels = np.zeros(n, dtype=np.int64)
    labels[: n // 2] = 1
    rng.shuffle(labels)
    inputs = np.empty((n,) + DIRECTION_SHAPE, dtype=np.float32)
    for i in range(n):
        crop = _text_crop(rng)
        if labels[i]:
            crop = crop.transpose(Image.Transpose.ROTATE_180)
        inputs[i] = preprocess_direction_crop(crop)
    return inputs, labels


def preprocess_document(image):
    """PaddleOCR's detector normalization: RGB scaled to [0,1], minus the
    ImageNet mean, divided by its std, CHW. `image` is a PIL image whose
    sides are already multiples of 32 (the detector's stride)."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    return ((pixels - DETECTOR_MEAN) / DETECTOR_STD).transpose(2, 0, 1).copy()


def _document(rng, size):
    """One page: lines of dark text of varying sizes at random indents on a
    light background, with some empty space and noise."""
    background = int(rng.integers(200, 256))
    page = Image.new("L", (size, size), background)
    draw = ImageDraw.Draw(page)
    fonts = font_paths()
    y = int(rng.integers(10, 40))
    while True:
        font = _font(fonts[int(rng.integers(len(fonts)))], int(rng.integers(14, 41)))
        text = random_line(rng, 1, 6)
        left, top, right, bottom = font.getbbox(text)
        if y + bottom > size - 10:
            break
        x = int(rng.integers(10, max(11, size // 3)))
        draw.text((x, y), text, font=font, fill=int(rng.integers(0, 90)))
        # Line spacing from tight to a paragraph break.
        y += bottom + int(rng.integers(4, 3 * font.size // 2 + 5))
    if rng.random() < 0.3:
        page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    return _add_noise(page, rng, rng.uniform(2.0, 8.0))


def render_documents(n, seed, size=640):
    """`n` preprocessed document-like pages, [n, 3, size, size] float32;
    `size` must be a multiple of 32."""
    if size % 32:
        raise ValueError(f"the detector needs sides that are multiples of 32, got {size}")
    rng = np.random.default_rng(seed)
    return np.stack([preprocess_document(_document(rng, size)) for _ in range(n)])
