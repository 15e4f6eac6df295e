package io.shardcache.benchmarks.report;

import java.awt.Color;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Parses the plots' SVG with the JDK's XML parser, as a viewer would, and reads back where things were
 * drawn. XChart draws text as glyph outlines: a {@code <g transform="translate(x y)">} around a filled
 * {@code <path>} whose points are relative to the text's baseline.
 */
final class SvgDocuments {

    static final String SVG = "http://www.w3.org/2000/svg";
    private static final Pattern POINT = Pattern.compile("(-?[0-9.]+),(-?[0-9.]+)");
    private static final Pattern TRANSLATE = Pattern.compile("translate\\((-?[0-9.]+) (-?[0-9.]+)\\)");

    /** What a shape covers, in page pixels (y grows downwards). */
    record Box(double left, double top, double right, double bottom) {

        double middle() {
            return (left + right) / 2;
        }
    }

    private SvgDocuments() {
    }

    /** @throws org.xml.sax.SAXException if {@code svg} is not well-formed XML */
    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        // the SVG 1.1 DOCTYPE is allowed, but nothing it points to is fetched
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        Document d = f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        if (!SVG.equals(d.getDocumentElement().getNamespaceURI()) || !"svg".equals(d.getDocumentElement().getLocalName()))
            throw new AssertionError("the root is not an SVG element: " + d.getDocumentElement().getTagName());
        return d;
    }

    static List<Element> elements(Document d, String name) {
        NodeList nodes = d.getElementsByTagNameNS(SVG, name);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++)
            out.add((Element) nodes.item(i));
        return out;
    }

    /** The style declaration of a fill or stroke in {@code color}, as the SVG writes it. */
    static String rgb(String property, Color color) {
        return property + ":rgb(" + color.getRed() + "," + color.getGreen() + "," + color.getBlue() + ")";
    }

    /** Elements of the document whose style has {@code declaration}. */
    static List<Element> styled(Document d, String name, String declaration) {
        return elements(d, name).stream().filter(e -> e.getAttribute("style").contains(declaration)).toList();
    }

    /** Where a path without transform lies. */
    static Box box(Element path) {
        return box(path.getAttribute("d"), 0, 0);
    }

    /** Every run of text filled in {@code color}, where it lies on the page. */
    static List<Box> texts(Document d, Color color) {
        List<Box> out = new ArrayList<>();
        for (Element g : elements(d, "g")) {
            Matcher t = TRANSLATE.matcher(g.getAttribute("transform"));
            if (!t.matches())
                continue;
            for (Element path : elements(g, "path"))
                if (path.getAttribute("style").contains(rgb("fill", color)))
                    out.add(box(path.getAttribute("d"), Double.parseDouble(t.group(1)), Double.parseDouble(t.group(2))));
        }
        return out;
    }

    /** The plot's area: the clip rectangle of what is drawn inside it. */
    static Box plotArea(Document d) {
        Element r = elements(elements(d, "clipPath").getFirst(), "rect").getFirst();
        double x = attr(r, "x"), y = attr(r, "y");
        return new Box(x, y, x + attr(r, "width"), y + attr(r, "height"));
    }

    static double attr(Element e, String name) {
        return Double.parseDouble(e.getAttribute(name));
    }

    private static List<Element> elements(Element parent, String name) {
        NodeList nodes = parent.getElementsByTagNameNS(SVG, name);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++)
            out.add((Element) nodes.item(i));
        return out;
    }

    private static Box box(String d, double dx, double dy) {
        double left = Double.POSITIVE_INFINITY, top = Double.POSITIVE_INFINITY;
        double right = Double.NEGATIVE_INFINITY, bottom = Double.NEGATIVE_INFINITY;
        Matcher m = POINT.matcher(d);
        while (m.find()) {
            double x = Double.parseDouble(m.group(1)) + dx, y = Double.parseDouble(m.group(2)) + dy;
            left = Math.min(left, x);
            right = Math.max(right, x);
            top = Math.min(top, y);
            bottom = Math.max(bottom, y);
        }
        if (left > right)
            throw new AssertionError("no points in path data '" + d + "'");
        return new Box(left, top, right, bottom);
    }
}
