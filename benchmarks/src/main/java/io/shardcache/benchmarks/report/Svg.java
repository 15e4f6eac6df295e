package io.shardcache.benchmarks.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;

/**
 * A standalone SVG document, written element by element; text and attribute values are escaped, so
 * any label is safe. Coordinates are written with one decimal. Not thread-safe.
 */
final class Svg {

    private final StringBuilder out = new StringBuilder();

    Svg(int width, int height) {
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
            .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
            .append("\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n")
            .append("<rect width=\"").append(width).append("\" height=\"").append(height).append("\" fill=\"white\"/>\n");
    }

    void line(double x1, double y1, double x2, double y2, String stroke, double width, String dash) {
        out.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"").append(num(x2))
            .append("\" y2=\"").append(num(y2)).append("\" stroke=\"").append(stroke).append("\" stroke-width=\"").append(num(width))
            .append('"').append(dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"").append("/>\n");
    }

    /** A polyline through the points; {@code name} becomes its tooltip. */
    void polyline(String name, double[] xs, double[] ys, String stroke, String dash) {
        out.append("<polyline fill=\"none\" stroke=\"").append(stroke).append("\" stroke-width=\"2\" stroke-linejoin=\"round\"")
            .append(dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"").append(" points=\"");
        for (int i = 0; i < xs.length; i++)
            out.append(i == 0 ? "" : " ").append(num(xs[i])).append(',').append(num(ys[i]));
        out.append("\"><title>").append(escape(name)).append("</title></polyline>\n");
    }

    void rect(double x, double y, double w, double h, String fill, String stroke) {
        out.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"").append(num(w))
            .append("\" height=\"").append(num(h)).append("\" fill=\"").append(fill).append('"')
            .append(stroke.isEmpty() ? "" : " stroke=\"" + stroke + "\"").append("/>\n");
    }

    /** Text anchored at {@code start}, {@code middle} or {@code end}; {@code extra} is more attributes, or empty. */
    void text(double x, double y, String anchor, String text, String extra) {
        out.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" text-anchor=\"").append(anchor)
            .append('"').append(extra.isEmpty() ? "" : " " + extra).append('>').append(escape(text)).append("</text>\n");
    }

    String finish() {
        return out.append("</svg>\n").toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A tick or bar label: 6 significant digits at most, no trailing zeros, thousands grouped (12,000; 0.05; 99.99). */
    static String label(double v) {
        BigDecimal rounded = new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros();
        DecimalFormat f = new DecimalFormat("#,##0.####", DecimalFormatSymbols.getInstance(Locale.ROOT));
        return f.format(rounded);
    }
}
