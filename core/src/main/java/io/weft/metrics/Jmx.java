package io.weft.metrics;

import io.weft.handler.access.IpFilter;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** Registers and unregisters the MBeans of one {@link TrafficMetrics}. */
final class Jmx {

    private final TrafficMetrics metrics;
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final List<ObjectName> registered = new CopyOnWriteArrayList<>();

    Jmx(TrafficMetrics metrics) {
        this.metrics = metrics;
    }

    static ObjectName trafficName(String name) throws JMException {
        return new ObjectName("io.weft:type=Traffic,name=" + ObjectName.quote(name));
    }

    static ObjectName loopName(String name, LoopStats stats) throws JMException {
        return new ObjectName("io.weft:type=EventLoop,name=" + ObjectName.quote(name) + ",group="
                + ObjectName.quote(stats.group()) + ",loop=" + stats.index());
    }

    void register() {
        try {
            ObjectName on = trafficName(metrics.name());
            server.registerMBean(new TrafficBean(metrics), on);
            registered.add(on);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register the MBean of metrics " + metrics.name() + ": " + e, e);
        }
    }

    void registerLoop(LoopStats stats) {
        try {
            ObjectName on = loopName(metrics.name(), stats);
            server.registerMBean(new LoopBean(stats), on);
            registered.add(on);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register the MBean of loop " + stats.group() + "/"
                    + stats.index() + ": " + e, e);
        }
    }

    void unregister() {
        for (ObjectName on : registered) {
            try {
                server.unregisterMBean(on);
            } catch (JMException ignored) {
                // Already gone: nothing to undo.
            }
        }
        registered.clear();
    }

    private static final class TrafficBean implements TrafficMXBean {
        private final TrafficMetrics m;

        TrafficBean(TrafficMetrics m) {
            this.m = m;
        }

        @Override
        public long getConnectionsOpened() {
            return m.connectionsOpened();
        }

        @Override
        public long getConnectionsClosed() {
            return m.connectionsClosed();
        }

        @Override
        public long getActiveConnections() {
            return m.activeConnections();
        }

        @Override
        public long getBytesRead() {
            return m.bytesRead();
        }

        @Override
        public long getBytesWritten() {
            return m.bytesWritten();
        }

        @Override
        public long getMessagesRead() {
            return m.messagesRead();
        }

        @Override
        public long getMessagesWritten() {
            return m.messagesWritten();
        }

        @Override
        public long getErrorCount() {
            return m.errorCount();
        }

        @Override
        public Map<String, Long> getErrors() {
            return m.errors();
        }

        @Override
        public long getFilterAccepted() {
            long sum = 0;
            for (IpFilter f : m.filters()) {
                sum += f.acceptedCount();
            }
            return sum;
        }

        @Override
        public long getFilterRefused() {
            long sum = 0;
            for (IpFilter f : m.filters()) {
                sum += f.refusedCount();
            }
            return sum;
        }
    }

    private static final class LoopBean implements EventLoopMXBean {
        private final LoopStats s;

        LoopBean(LoopStats s) {
            this.s = s;
        }

        @Override
        public int getPendingTasks() {
            return s.pendingTasks();
        }

        @Override
        public long getTasksRun() {
            return s.tasksRun();
        }

        @Override
        public long getSelectCount() {
            return s.selectCount();
        }

        @Override
        public long getSelectedKeys() {
            return s.selectedKeys();
        }

        @Override
        public double getSelectedKeysPerWakeup() {
            return s.selectedKeysPerWakeup();
        }

        @Override
        public int getChannelCount() {
            return s.channelCount();
        }

        @Override
        public long getLagCount() {
            return s.lag().count();
        }

        @Override
        public double getLagMeanSeconds() {
            long n = s.lag().count();
            return n == 0 ? 0 : s.lag().sumSeconds() / n;
        }

        @Override
        public double getLagMaxSeconds() {
            return s.lag().maxSeconds();
        }
    }
}
