"""SVG text in WeasyPrint, shaped a run at a time: the charts' labels cost one text layout each
instead of one per character.

WeasyPrint (up to 70 at least) lays out and draws SVG text code point by code point, so that
each character can take its own x, y, dx, dy or rotate (Kozea/WeasyPrint#2249). The charts of
the briefs (`service.briefs.drawing`) never position characters: each <text> has one x and one y.
For such text this module lays the run out once, with kerning and ligatures off, so each glyph
advances by its own width as when drawn alone: the same glyphs at the same places. Any text
with per-character positions, spacing or a set length goes to WeasyPrint's own code.

The charts' ~1,200 characters were the largest single cost of writing the default brief's PDF.
"""

from __future__ import annotations

from math import inf

# Attributes that position or space characters one by one: text with any of them is WeasyPrint's.
PER_CHARACTER = ("dx", "dy", "rotate", "letter-spacing", "textLength", "lengthAdjust")


def _single(value: str | None) -> bool:
    return value is None or len(value.replace(",", " ").split()) == 1


def install(weasyprint_svg) -> None:
    """Route plain SVG <text> through `whole_run_text` (idempotent); `weasyprint_svg` is `weasyprint.svg`."""
    stock = weasyprint_svg.TAGS["text"]
    if getattr(stock, "whole_run", False):
        return
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.text import Style, TextBox
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    def whole_run_text(svg, node, font_size):
        if (node.tag != "text" or not node.text or any(name in node.attrib for name in PER_CHARACTER)
                or not (_single(node.get("x")) and _single(node.get("y")))
                or node.get("direction") == "rtl" or node.get("display-anchor") is not None
                or next(iter(node), None) is not None):
            return whole_run_text.stock(svg, node, font_size)
        style = Style()
        style.update(INITIAL_VALUES)
        style.font_config = svg.font_config
        style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
        style["font_style"] = node.get("font-style", "normal")
        weight = node.get("font-weight", 400)
        style["font_weight"] = {"normal": 400, "bold": 700}.get(weight) or (int(weight) if str(weight).isdigit() else 400)
        style["font_size"] = font_size
        # Each glyph at its own advance, as WeasyPrint places it when it draws characters one by one.
        style["font_kerning"] = "none"
        style["font_variant_ligatures"] = "none"
        layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)

        x = size(node.get("x"), font_size, svg.inner_width) if "x" in node.attrib else svg.cursor_position[0]
        y = size(node.get("y"), font_size, svg.inner_height) if "y" in node.attrib else svg.cursor_position[1]
        if "x" in node.attrib and x:
            svg.cursor_d_position[0] = 0
        if "y" in node.attrib and y:
            svg.cursor_d_position[1] = 0
        ascent, descent = font_size * .8, font_size * .2  # as WeasyPrint's own SVG text
        alignment = node.get("dominant-baseline", node.get("alignment-baseline"))
        y_align = {"central": (ascent + descent) / 2 - descent, "middle": (ascent + descent) / 2 - descent,
                   "text-before-edge": ascent, "before_edge": ascent, "top": ascent, "hanging": ascent,
                   "text-top": ascent, "text-after-edge": -descent, "after_edge": -descent, "bottom": -descent,
                   "text-bottom": -descent}.get(alignment, 0)
        x_position = x + svg.cursor_d_position[0]
        y_position = y + svg.cursor_d_position[1] + y_align
        svg.cursor_position = x + width, y
        node.text_bounding_box = extend_bounding_box(
            node.text_bounding_box, ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height)))

        svg.stream.push_state()
        fill, stroke = svg.set_graphical_state(node, font_size)
        svg.stream.begin_text()
        layout.reactivate(style)
        svg.fill_stroke(fill, stroke, text=True)
        text_box = TextBox(layout, style)
        text_box.baseline = baseline
        emojis = draw_first_line(svg.stream, text_box, "none", "none", Matrix(a=1, d=-1, e=x_position, f=y_position))
        svg.stream.end_text()
        svg.stream.pop_state()
        draw_emojis(svg.stream, style, x, y, emojis)

    whole_run_text.whole_run = True
    whole_run_text.stock = stock  # what other text goes to
    # draw_node recognises text nodes by identity with the module's `text`: both must be the new one.
    for tag, function in list(weasyprint_svg.TAGS.items()):
        if function is stock:
            weasyprint_svg.TAGS[tag] = whole_run_text
    weasyprint_svg.text = whole_run_text
