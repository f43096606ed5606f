package io.weft.codec.http.ops;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: every line must match the grammar,
 * HELP/TYPE come once per family before its samples, samples of a family are contiguous, series are unique,
 * histogram buckets are cumulative and end with {@code le="+Inf"} equal to {@code _count}. Throws
 * {@link AssertionError} naming the line on any violation.
 */
final class PrometheusText {

    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final String LABEL_NAME = "[a-zA-Z_][a-zA-Z0-9_]*";
    private static final String LABEL_VALUE = "(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*";
    private static final String FLOAT = "(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]Inf|NaN)";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") ((?:[^\\\\\\n]|\\\\[\\\\n])*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(?:\\{((?:" + LABEL_NAME + "=\"" + LABEL_VALUE
            + "\")(?:," + LABEL_NAME + "=\"" + LABEL_VALUE + "\")*)?\\})? (" + FLOAT + ")(?: -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("(" + LABEL_NAME + ")=\"(" + LABEL_VALUE + ")\"");

    /** One sample: metric name, unescaped labels (in order), value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    final Map<String, String> types = new LinkedHashMap<>();
    final List<Sample> samples = new ArrayList<>();

    static PrometheusText parse(String text) {
        PrometheusText p = new PrometheusText();
        p.doParse(text);
        return p;
    }

    private void doParse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new AssertionError("exposition does not end with a line feed");
        }
        Set<String> helped = new HashSet<>();
        Set<String> finished = new HashSet<>();
        Set<String> series = new HashSet<>();
        String current = null;
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue; // only the split's tail after the final line feed, checked below
            }
            String where = "line " + lineNo + ": " + line;
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                if (!helped.add(m.group(1))) {
                    throw new AssertionError("second HELP, " + where);
                }
                current = enter(m.group(1), current, finished, where);
            } else if ((m = TYPE.matcher(line)).matches()) {
                if (types.put(m.group(1), m.group(2)) != null) {
                    throw new AssertionError("second TYPE, " + where);
                }
                if (hasSamples(m.group(1))) {
                    throw new AssertionError("TYPE after samples, " + where);
                }
                current = enter(m.group(1), current, finished, where);
            } else if (line.startsWith("#")) {
                throw new AssertionError("unexpected comment, " + where);
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                String family = familyOf(name);
                if (family == null) {
                    throw new AssertionError("sample of an undeclared family, " + where);
                }
                if (!family.equals(current)) {
                    throw new AssertionError("sample outside its family's block, " + where);
                }
                Map<String, String> labels = new LinkedHashMap<>();
                if (m.group(2) != null) {
                    Matcher lm = LABEL.matcher(m.group(2));
                    while (lm.find()) {
                        if (labels.put(lm.group(1), unescape(lm.group(2))) != null) {
                            throw new AssertionError("repeated label, " + where);
                        }
                    }
                }
                if (!series.add(name + labels)) {
                    throw new AssertionError("duplicate series, " + where);
                }
                samples.add(new Sample(name, labels, Double.parseDouble(m.group(3).replace("Inf", "Infinity"))));
            } else {
                throw new AssertionError("not a valid exposition line, " + where);
            }
        }
        checkHistograms();
    }

    private String enter(String family, String current, Set<String> finished, String where) {
        if (family.equals(current)) {
            return current;
        }
        if (current != null) {
            finished.add(current);
        }
        if (finished.contains(family)) {
            throw new AssertionError("family split in two blocks, " + where);
        }
        return family;
    }

    private boolean hasSamples(String family) {
        for (Sample s : samples) {
            if (family.equals(familyOf(s.name()))) {
                return true;
            }
        }
        return false;
    }

    private String familyOf(String name) {
        if (types.containsKey(name) && !"histogram".equals(types.get(name))) {
            return name;
        }
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                if ("histogram".equals(types.get(base))) {
                    return base;
                }
            }
        }
        return null;
    }

    private void checkHistograms() {
        Map<String, List<Sample>> buckets = new LinkedHashMap<>();
        Map<String, Double> counts = new HashMap<>();
        for (Sample s : samples) {
            String family = familyOf(s.name());
            if (!"histogram".equals(types.get(family))) {
                continue;
            }
            Map<String, String> rest = new LinkedHashMap<>(s.labels());
            rest.remove("le");
            String key = family + rest;
            if (s.name().endsWith("_bucket")) {
                if (!s.labels().containsKey("le")) {
                    throw new AssertionError("bucket without le: " + s);
                }
                buckets.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_count")) {
                counts.put(key, s.value());
            }
        }
        for (Map.Entry<String, List<Sample>> e : buckets.entrySet()) {
            double prevLe = Double.NEGATIVE_INFINITY;
            double prevCount = 0;
            List<Sample> list = e.getValue();
            for (Sample s : list) {
                double le = Double.parseDouble(s.labels().get("le").replace("Inf", "Infinity"));
                if (le <= prevLe || s.value() < prevCount) {
                    throw new AssertionError("buckets not increasing/cumulative at " + s);
                }
                prevLe = le;
                prevCount = s.value();
            }
            Sample last = list.get(list.size() - 1);
            if (!"+Inf".equals(last.labels().get("le"))) {
                throw new AssertionError("histogram without le=\"+Inf\": " + e.getKey());
            }
            if (!Double.valueOf(last.value()).equals(counts.get(e.getKey()))) {
                throw new AssertionError("+Inf bucket differs from _count: " + e.getKey());
            }
        }
    }

    private static String unescape(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\') {
                char n = v.charAt(++i);
                sb.append(n == 'n' ? '\n' : n);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The value of the one sample named {@code name} whose labels include {@code labels}. */
    double value(String name, Map<String, String> labels) {
        Sample found = null;
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())) {
                if (found != null) {
                    throw new AssertionError("more than one sample matches " + name + labels);
                }
                found = s;
            }
        }
        if (found == null) {
            throw new AssertionError("no sample " + name + labels);
        }
        return found.value();
    }
}
