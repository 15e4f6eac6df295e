package io.shardcache.benchmarks.report;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Parses the charts' output with the JDK's XML parser, as a viewer would, and reads it back. */
final class SvgDocuments {

    static final String SVG = "http://www.w3.org/2000/svg";

    private SvgDocuments() {
    }

    /** @throws org.xml.sax.SAXException if {@code svg} is not well-formed XML */
    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
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

    static List<String> texts(Document d) {
        return elements(d, "text").stream().map(Element::getTextContent).toList();
    }

    /** A polyline's points as {x, y} pairs. */
    static List<double[]> points(Element polyline) {
        List<double[]> out = new ArrayList<>();
        for (String xy : polyline.getAttribute("points").trim().split(" ")) {
            String[] p = xy.split(",");
            out.add(new double[] {Double.parseDouble(p[0]), Double.parseDouble(p[1])});
        }
        return out;
    }

    static double attr(Element e, String name) {
        return Double.parseDouble(e.getAttribute(name));
    }
}
