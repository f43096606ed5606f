package io.weft.metrics;

import io.weft.handler.access.IpFilter;
import io.weft.handler.access.RefusalReason;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Writes {@link TrafficMetrics} in the Prometheus text exposition format, version 0.0.4: one {@code # HELP} and
 * one {@code # TYPE} line per metric family, label values escaped ({@code \\}, {@code \"}, {@code \n}), histograms
 * as cumulative {@code _bucket{le="..."}} series ending in {@code le="+Inf"}, then {@code _sum} and
 * {@code _count}. Every series carries {@code server="NAME"} (the metrics' name).
 *
 * <p>Families: {@code weft_connections_opened_total}, {@code weft_connections_closed_total},
 * {@code weft_connections_active}, {@code weft_bytes_read_total}, {@code weft_bytes_written_total},
 * {@code weft_messages_read_total}, {@code weft_messages_written_total}, {@code weft_errors_total{type}};
 * per monitored loop ({@code group}, {@code loop} labels) {@code weft_loop_pending_tasks},
 * {@code weft_loop_tasks_run_total}, {@code weft_loop_selects_total}, {@code weft_loop_selected_keys_total},
 * {@code weft_loop_channels}, {@code weft_loop_lag_seconds} (histogram); per watched IP filter ({@code filter}
 * label, its index) {@code weft_ipfilter_accepted_total}, {@code weft_ipfilter_refused_total{reason}},
 * {@code weft_ipfilter_active_connections}; and, only when asked for, per open channel ({@code channel},
 * {@code remote} labels) {@code weft_channel_bytes_read_total} and {@code weft_channel_bytes_written_total},
 * capped at a number of channels, since per-connection series are costly for a Prometheus server. Counters and
 * gauges added with {@link TrafficMetrics#counter} and {@link TrafficMetrics#gauge} follow.
 */
public final class PrometheusFormat {

    /** The {@code Content-Type} of the exposition. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusFormat() {
    }

    /** The exposition of {@code metrics}, without per-channel series. */
    public static String format(List<TrafficMetrics> metrics) {
        StringBuilder sb = new StringBuilder(4096);
        write(metrics, 0, sb);
        return sb.toString();
    }

    /**
     * Appends the exposition of {@code metrics} to {@code out}, with per-channel series for at most
     * {@code maxChannels} open channels of each (0: none).
     */
    public static void write(List<TrafficMetrics> metrics, int maxChannels, StringBuilder out) {
        counter(out, metrics, "weft_connections_opened_total", "Connections opened.", TrafficMetrics::connectionsOpened);
        counter(out, metrics, "weft_connections_closed_total", "Connections closed.", TrafficMetrics::connectionsClosed);
        family(out, "weft_connections_active", "gauge", "Connections open now.");
        for (TrafficMetrics m : metrics) {
            sample(out, "weft_connections_active", labels(m), m.activeConnections());
        }
        counter(out, metrics, "weft_bytes_read_total", "Bytes received from the transport.", TrafficMetrics::bytesRead);
        counter(out, metrics, "weft_bytes_written_total", "Bytes handed to the transport.", TrafficMetrics::bytesWritten);
        counter(out, metrics, "weft_messages_read_total", "Messages read past the message counter.",
                TrafficMetrics::messagesRead);
        counter(out, metrics, "weft_messages_written_total", "Messages written past the message counter.",
                TrafficMetrics::messagesWritten);
        family(out, "weft_errors_total", "counter", "Exceptions by type.");
        for (TrafficMetrics m : metrics) {
            for (Map.Entry<String, Long> e : m.errors().entrySet()) {
                sample(out, "weft_errors_total", labels(m) + ",type=\"" + escape(e.getKey()) + "\"", e.getValue());
            }
        }
        loops(out, metrics);
        filters(out, metrics);
        custom(out, metrics);
        if (maxChannels > 0) {
            channels(out, metrics, maxChannels);
        }
    }

    private static void loops(StringBuilder out, List<TrafficMetrics> metrics) {
        loopFamily(out, metrics, "weft_loop_pending_tasks", "gauge", "Tasks waiting in the loop's queue.",
                LoopStats::pendingTasks);
        loopFamily(out, metrics, "weft_loop_tasks_run_total", "counter", "Tasks and timers the loop ran.",
                LoopStats::tasksRun);
        loopFamily(out, metrics, "weft_loop_selects_total", "counter", "Wake-ups from the selector.",
                LoopStats::selectCount);
        loopFamily(out, metrics, "weft_loop_selected_keys_total", "counter",
                "Ready keys reported by the selector; divide by weft_loop_selects_total for keys per wake-up.",
                LoopStats::selectedKeys);
        loopFamily(out, metrics, "weft_loop_channels", "gauge", "Channels registered with the loop.",
                LoopStats::channelCount);
        family(out, "weft_loop_lag_seconds", "histogram", "How late the loop ran its lag probe timer.");
        for (TrafficMetrics m : metrics) {
            for (LoopStats s : m.loops()) {
                histogram(out, "weft_loop_lag_seconds", loopLabels(m, s), s.lag());
            }
        }
    }

    private static void filters(StringBuilder out, List<TrafficMetrics> metrics) {
        family(out, "weft_ipfilter_accepted_total", "counter", "Connections the IP filter accepted.");
        forFilters(metrics, (m, i, f) -> sample(out, "weft_ipfilter_accepted_total", filterLabels(m, i),
                f.acceptedCount()));
        family(out, "weft_ipfilter_refused_total", "counter", "Connections the IP filter refused, by reason.");
        forFilters(metrics, (m, i, f) -> {
            for (RefusalReason r : RefusalReason.values()) {
                sample(out, "weft_ipfilter_refused_total",
                        filterLabels(m, i) + ",reason=\"" + r.name().toLowerCase(java.util.Locale.ROOT) + "\"",
                        f.refusedCount(r));
            }
        });
        family(out, "weft_ipfilter_active_connections", "gauge", "Connections the IP filter accepted, still open.");
        forFilters(metrics, (m, i, f) -> sample(out, "weft_ipfilter_active_connections", filterLabels(m, i),
                f.activeConnections()));
    }

    private static final java.util.Set<String> BUILT_IN = java.util.Set.of("weft_connections_opened_total",
            "weft_connections_closed_total", "weft_connections_active", "weft_bytes_read_total",
            "weft_bytes_written_total", "weft_messages_read_total", "weft_messages_written_total",
            "weft_errors_total", "weft_loop_pending_tasks", "weft_loop_tasks_run_total", "weft_loop_selects_total",
            "weft_loop_selected_keys_total", "weft_loop_channels", "weft_loop_lag_seconds",
            "weft_ipfilter_accepted_total", "weft_ipfilter_refused_total", "weft_ipfilter_active_connections",
            "weft_channel_bytes_read_total", "weft_channel_bytes_written_total");

    static boolean isBuiltIn(String name) {
        for (String b : BUILT_IN) {
            if (name.equals(b) || name.startsWith(b.replaceAll("_total$", "") + "_")) {
                return true;
            }
        }
        return false;
    }

    /** Families added with {@link TrafficMetrics#counter} and {@link TrafficMetrics#gauge}, grouped by name. */
    private static void custom(StringBuilder out, List<TrafficMetrics> metrics) {
        java.util.Map<String, TrafficMetrics.Custom> first = new java.util.LinkedHashMap<>();
        for (TrafficMetrics m : metrics) {
            for (TrafficMetrics.Custom c : m.custom()) {
                first.putIfAbsent(c.name(), c);
            }
        }
        for (TrafficMetrics.Custom family : first.values()) {
            family(out, family.name(), family.type(), family.help());
            for (TrafficMetrics m : metrics) {
                for (TrafficMetrics.Custom c : m.custom()) {
                    if (c.name().equals(family.name()) && c.type().equals(family.type())) {
                        sample(out, c.name(), labels(m), c.value().getAsLong());
                    }
                }
            }
        }
    }

    private static void channels(StringBuilder out, List<TrafficMetrics> metrics, int max) {
        family(out, "weft_channel_bytes_read_total", "counter", "Bytes received on one open channel.");
        for (TrafficMetrics m : metrics) {
            List<ChannelStats> list = m.channels();
            for (ChannelStats c : list.subList(0, Math.min(max, list.size()))) {
                sample(out, "weft_channel_bytes_read_total", channelLabels(m, c), c.bytesRead());
            }
        }
        family(out, "weft_channel_bytes_written_total", "counter", "Bytes written on one open channel.");
        for (TrafficMetrics m : metrics) {
            List<ChannelStats> list = m.channels();
            for (ChannelStats c : list.subList(0, Math.min(max, list.size()))) {
                sample(out, "weft_channel_bytes_written_total", channelLabels(m, c), c.bytesWritten());
            }
        }
    }

    private interface FilterVisitor {
        void visit(TrafficMetrics m, int index, IpFilter filter);
    }

    private static void forFilters(List<TrafficMetrics> metrics, FilterVisitor visitor) {
        for (TrafficMetrics m : metrics) {
            List<IpFilter> filters = m.filters();
            for (int i = 0; i < filters.size(); i++) {
                visitor.visit(m, i, filters.get(i));
            }
        }
    }

    private static void counter(StringBuilder out, List<TrafficMetrics> metrics, String name, String help,
            ToDoubleFunction<TrafficMetrics> value) {
        family(out, name, "counter", help);
        for (TrafficMetrics m : metrics) {
            sample(out, name, labels(m), value.applyAsDouble(m));
        }
    }

    private static void loopFamily(StringBuilder out, List<TrafficMetrics> metrics, String name, String type,
            String help, ToDoubleFunction<LoopStats> value) {
        family(out, name, type, help);
        for (TrafficMetrics m : metrics) {
            for (LoopStats s : m.loops()) {
                sample(out, name, loopLabels(m, s), value.applyAsDouble(s));
            }
        }
    }

    private static void histogram(StringBuilder out, String name, String labels, Histogram h) {
        double[] bounds = h.upperBounds();
        long[] cumulative = h.cumulativeCounts();
        for (int i = 0; i < bounds.length; i++) {
            sample(out, name + "_bucket", labels + ",le=\"" + number(bounds[i]) + "\"", cumulative[i]);
        }
        long total = cumulative[bounds.length];
        sample(out, name + "_bucket", labels + ",le=\"+Inf\"", total);
        sample(out, name + "_sum", labels, h.sumSeconds());
        sample(out, name + "_count", labels, total);
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name).append('{').append(labels).append("} ").append(number(value)).append('\n');
    }

    private static String labels(TrafficMetrics m) {
        return "server=\"" + escape(m.name()) + "\"";
    }

    private static String loopLabels(TrafficMetrics m, LoopStats s) {
        return labels(m) + ",group=\"" + escape(s.group()) + "\",loop=\"" + s.index() + "\"";
    }

    private static String filterLabels(TrafficMetrics m, int index) {
        return labels(m) + ",filter=\"" + index + "\"";
    }

    private static String channelLabels(TrafficMetrics m, ChannelStats c) {
        return labels(m) + ",channel=\"" + c.channelId() + "\",remote=\"" + escape(String.valueOf(c.remoteAddress()))
                + "\"";
    }

    /** A sample value or {@code le} bound: integers without a fraction, others in plain decimal notation. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return BigDecimal.valueOf(v).toPlainString();
    }

    /** Escapes a label value: backslash, double quote and line feed. */
    public static String escape(String value) {
        StringBuilder sb = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String rep = c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : null;
            if (rep != null) {
                if (sb == null) {
                    sb = new StringBuilder(value.length() + 8).append(value, 0, i);
                }
                sb.append(rep);
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? value : sb.toString();
    }

    private static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }
}
