<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es">
<context>
    <name />
    <message>
        <location filename="../../hotspot_manager/ui/agent_control.py" line="+56" />
        <source>Capturing needs the CAP_NET_RAW capability. Start the agent with that one capability under your own user:</source>
        <translation>Para capturar hace falta la capacidad CAP_NET_RAW. Inicie el agente con esa única capacidad bajo su propio usuario:</translation>
    </message>
    <message>
        <location line="+5" />
        <source>(or run it from a systemd unit with AmbientCapabilities=CAP_NET_RAW). Never give the capability to a general-purpose interpreter such as python3.</source>
        <translation>(o ejecútelo desde una unidad de systemd con AmbientCapabilities=CAP_NET_RAW). Nunca dé esa capacidad a un intérprete de uso general como python3.</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Capturing needs read access to /dev/bpf*: install the BPF permission helper shipped with the app (as Wireshark's ChmodBPF does), then log out and in.</source>
        <translation>Para capturar hace falta acceso de lectura a /dev/bpf*: instale el asistente de permisos BPF que viene con la aplicación (como hace ChmodBPF de Wireshark) y luego cierre la sesión y vuelva a entrar.</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Capturing needs Npcap (https://npcap.com); install it, then restart the agent.</source>
        <translation>Para capturar hace falta Npcap (https://npcap.com); instálelo y luego reinicie el agente.</translation>
    </message>
</context>
<context>
    <name>AgentControl</name>
    <message>
        <location line="+64" />
        <source>Choose the hotspot interface in Settings first.</source>
        <translation>Primero elija la interfaz del hotspot en Ajustes.</translation>
    </message>
    <message>
        <location line="+39" />
        <source>The agent stopped at once (status %1): %2</source>
        <translation>El agente se detuvo enseguida (estado %1): %2</translation>
    </message>
    <message>
        <location line="+25" />
        <source>The agent runs on another computer (%1).</source>
        <translation>El agente funciona en otra computadora (%1).</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Stop counting</source>
        <translation>Dejar de contar</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The agent (process %1) was started by another user or by the system service, so this window may not stop it. Stop it where it was started, e.g. with: sudo kill %1</source>
        <translation>El agente (proceso %1) lo inició otro usuario o el servicio del sistema, así que esta ventana no puede detenerlo. Deténgalo donde se inició, por ejemplo con: sudo kill %1</translation>
    </message>
</context>
<context>
    <name>AlertsModel</name>
    <message>
        <location filename="../../hotspot_manager/ui/alerts.py" line="+67" />
        <source>Time</source>
        <translation>Hora</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Kind</source>
        <translation>Tipo</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Detail</source>
        <translation>Detalle</translation>
    </message>
    <message>
        <location line="+4" />
        <source>router unreachable</source>
        <translation>router inalcanzable</translation>
    </message>
    <message>
        <location line="+1" />
        <source>internet unreachable</source>
        <translation>internet inalcanzable</translation>
    </message>
    <message>
        <location line="+1" />
        <source>DNS failing</source>
        <translation>DNS con fallos</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Outage</source>
        <translation>Corte</translation>
    </message>
    <message>
        <location line="+2" />
        <source>New device</source>
        <translation>Dispositivo nuevo</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Kernel drops</source>
        <translation>Pérdidas del kernel</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Quota check failed</source>
        <translation>Falló la revisión de cuotas</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Near quota</source>
        <translation>Cerca de la cuota</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Over quota</source>
        <translation>Cuota superada</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Pack nearly used</source>
        <translation>Paquete casi agotado</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Pack used up</source>
        <translation>Paquete agotado</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Pack expiring</source>
        <translation>Paquete por vencer</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Pack expired</source>
        <translation>Paquete vencido</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Uplink down</source>
        <translation>Conexión caída</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Uplink up</source>
        <translation>Conexión restablecida</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Router reboot</source>
        <translation>Reinicio del router</translation>
    </message>
    <message>
        <location line="+13" />
        <source>%1 has used %2 of the %3 included in %4 this month</source>
        <translation>%1 ha consumido %2 de los %3 incluidos en %4 este mes</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1 has used %2, over the %3 included in %4 this month</source>
        <translation>%1 ha consumido %2 y se pasó de los %3 incluidos en %4 este mes</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1 has used %2 of the %3 of pack %4</source>
        <translation>%1 ha consumido %2 de los %3 del paquete %4</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1 has used all of pack %4 (%3)</source>
        <translation>%1 agotó el paquete %4 (%3)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1: pack %4 expires %5 (%2 of %3 used)</source>
        <translation>%1: el paquete %4 vence el %5 (consumido %2 de %3)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1: pack %4 expired %5 (%2 of %3 used)</source>
        <translation>%1: el paquete %4 venció el %5 (consumido %2 de %3)</translation>
    </message>
    <message>
        <location line="+16" />
        <source>%1, ongoing for %2</source>
        <translation>%1, en curso desde hace %2</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1, %2, until %3</source>
        <translation>%1, %2, hasta %3</translation>
    </message>
    <message>
        <location line="+11" />
        <source>%1 frames dropped by the kernel (%2)</source>
        <translation>%1 tramas perdidas por el kernel (%2)</translation>
    </message>
</context>
<context>
    <name>AlertsScreen</name>
    <message>
        <location line="+22" />
        <source>Period</source>
        <translation>Período</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Today</source>
        <translation>Hoy</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Last 7 days</source>
        <translation>Últimos 7 días</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Last 30 days</source>
        <translation>Últimos 30 días</translation>
    </message>
    <message>
        <location line="+19" />
        <location line="+22" />
        <source>Nothing recorded in this period.</source>
        <translation>Nada registrado en este período.</translation>
    </message>
    <message numerus="yes">
        <location line="-1" />
        <source>%n alert(s)</source>
        <translation>
            <numerusform>%n alerta</numerusform>
            <numerusform>%n alertas</numerusform>
        </translation>
    </message>
    <message>
        <location line="+5" />
        <source>Could not read the alerts: %1</source>
        <translation>No se pudieron leer las alertas: %1</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <location filename="../../hotspot_manager/ui/app.py" line="+128" />
        <source>Start counting</source>
        <translation>Empezar a contar</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Choose the hotspot interface in Settings first.</source>
        <translation>Primero elija la interfaz del hotspot en Ajustes.</translation>
    </message>
    <message>
        <location line="+12" />
        <source>The agent did not start</source>
        <translation>El agente no arrancó</translation>
    </message>
    <message>
        <location line="+6" />
        <location line="+32" />
        <source>Hotspot Manager</source>
        <translation>Gestor de Hotspot</translation>
    </message>
    <message>
        <location line="-30" />
        <source>Show the window</source>
        <translation>Mostrar la ventana</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Close the window (counting goes on)</source>
        <translation>Cerrar la ventana (se sigue contando)</translation>
    </message>
    <message>
        <location line="+29" />
        <source>The window is in the tray; the agent keeps counting.</source>
        <translation>La ventana está en la bandeja; el agente sigue contando.</translation>
    </message>
</context>
<context>
    <name>AssignDialog</name>
    <message>
        <location filename="../../hotspot_manager/ui/customers.py" line="+178" />
        <source>Assign a device to %1</source>
        <translation>Asignar un dispositivo a %1</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Device</source>
        <translation>Dispositivo</translation>
    </message>
    <message>
        <location line="+1" />
        <source>From</source>
        <translation>Desde</translation>
    </message>
</context>
<context>
    <name>AssignToCustomerDialog</name>
    <message>
        <location filename="../../hotspot_manager/ui/devices.py" line="+602" />
        <source>Assign %1 to a customer</source>
        <translation>Asignar %1 a un cliente</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Customer</source>
        <translation>Cliente</translation>
    </message>
    <message>
        <location line="+1" />
        <source>From</source>
        <translation>Desde</translation>
    </message>
    <message>
        <location line="+3" />
        <source>From that day its use is billed to this customer; an earlier owner keeps the days before.</source>
        <translation>Desde ese día su consumo se le factura a este cliente; el dueño anterior conserva los días previos.</translation>
    </message>
</context>
<context>
    <name>BalancesModel</name>
    <message>
        <location filename="../../hotspot_manager/ui/billing.py" line="+80" />
        <source>Customer</source>
        <translation>Cliente</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Billed</source>
        <translation>Facturado</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Paid</source>
        <translation>Pagado</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Balance</source>
        <translation>Saldo</translation>
    </message>
</context>
<context>
    <name>BandwidthGraph</name>
    <message>
        <location filename="../../hotspot_manager/ui/graph.py" line="+83" />
        <source>Internet traffic of the hotspot</source>
        <extracomment>[since, until) epoch seconds the graph would like loaded (scrolled back)</extracomment>
        <translation>Tráfico de internet del hotspot</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Drag or scroll to look back up to 48 hours</source>
        <translation>Arrastre o use la rueda para ver hasta 48 horas atrás</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Back to live</source>
        <translation>Volver al directo</translation>
    </message>
    <message>
        <location line="+134" />
        <source>Download</source>
        <translation>Descarga</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Upload</source>
        <translation>Subida</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Top clients:</source>
        <translation>Principales clientes:</translation>
    </message>
</context>
<context>
    <name>BillingScreen</name>
    <message>
        <location filename="../../hotspot_manager/ui/billing.py" line="+143" />
        <source>Month (YYYY-MM)</source>
        <translation>Mes (AAAA-MM)</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Preview</source>
        <translation>Vista previa</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Close month…</source>
        <translation>Cerrar el mes…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Export PDF and CSV…</source>
        <translation>Exportar PDF y CSV…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Record payment…</source>
        <translation>Registrar pago…</translation>
    </message>
    <message>
        <location line="+21" />
        <source>Bills to be issued</source>
        <translation>Facturas por emitir</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Outstanding balances</source>
        <translation>Saldos pendientes</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Issued this month</source>
        <translation>Emitidos en el mes</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Credit note…</source>
        <translation>Nota de crédito…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Print receipt…</source>
        <translation>Imprimir recibo…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Save receipt PDF…</source>
        <translation>Guardar recibo en PDF…</translation>
    </message>
    <message>
        <location line="+34" />
        <location line="+4" />
        <source>Billing</source>
        <translation>Facturación</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Close month</source>
        <translation>Cerrar el mes</translation>
    </message>
    <message numerus="yes">
        <location line="+31" />
        <source>%n bill(s) to issue</source>
        <translation>
            <numerusform>%n factura por emitir</numerusform>
            <numerusform>%n facturas por emitir</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2" />
        <source>%n already issued</source>
        <translation>
            <numerusform>%n ya emitida</numerusform>
            <numerusform>%n ya emitidas</numerusform>
        </translation>
    </message>
    <message>
        <location line="+8" />
        <source>Issue the bills of %1? Issued bills are numbered and can never be changed (only corrected by a credit note).</source>
        <translation>¿Emitir las facturas de %1? Las facturas emitidas se numeran y no se pueden cambiar nunca (solo corregir con una nota de crédito).</translation>
    </message>
    <message>
        <location line="+11" />
        <source>Not closed: %1</source>
        <translation>No se cerró: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+6" />
        <source>%n bill(s) issued for %1.</source>
        <translation>
            <numerusform>%n factura emitida para %1.</numerusform>
            <numerusform>%n facturas emitidas para %1.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+6" />
        <source>Nothing new was issued: %1 was already closed.</source>
        <translation>No se emitió nada nuevo: %1 ya estaba cerrado.</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Export to folder</source>
        <translation>Exportar a la carpeta</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Exporting %1…</source>
        <translation>Exportando %1…</translation>
    </message>
    <message>
        <source>Writing file %1 of %2…</source>
        <translation>Escribiendo el archivo %1 de %2…</translation>
    </message>
    <message numerus="yes">
        <location line="+15" />
        <source>%n PDF(s) and the CSV written to %1.</source>
        <translation>
            <numerusform>%n PDF y el CSV escritos en %1.</numerusform>
            <numerusform>%n PDF y el CSV escritos en %1.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+4" />
        <source>Not exported: %1</source>
        <translation>No se exportó: %1</translation>
    </message>
    <message>
        <location line="+14" />
        <source>Not recorded: %1</source>
        <translation>No se registró: %1</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Payment recorded for %1. Balance now %2.</source>
        <translation>Pago registrado para %1. Saldo actual: %2.</translation>
    </message>
    <message>
        <location line="+31" />
        <source>Not issued: %1</source>
        <translation>No se emitió: %1</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Credit note R-%1 issued.</source>
        <translation>Nota de crédito R-%1 emitida.</translation>
    </message>
    <message>
        <location line="+23" />
        <source>Print receipt</source>
        <translation>Imprimir recibo</translation>
    </message>
    <message>
        <location line="+22" />
        <source>Not printed: %1</source>
        <translation>No se imprimió: %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Receipt %1 sent to the printer.</source>
        <translation>Recibo %1 enviado a la impresora.</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Save receipt PDF</source>
        <translation>Guardar recibo en PDF</translation>
    </message>
    <message>
        <location line="+0" />
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <location line="+16" />
        <source>Not saved: cannot write %1</source>
        <translation>No se guardó: no se puede escribir %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Receipt saved to %1.</source>
        <translation>Recibo guardado en %1.</translation>
    </message>
</context>
<context>
    <name>CaptureRightsDialog</name>
    <message>
        <location filename="../../hotspot_manager/ui/agent_control.py" line="-131" />
        <source>Capture rights are missing</source>
        <translation>Faltan permisos de captura</translation>
    </message>
    <message>
        <location line="+4" />
        <source>The agent cannot read the hotspot's traffic: this system has not given it the right to capture. Nothing is counted until this is fixed. Do this once:</source>
        <translation>El agente no puede leer el tráfico del hotspot: este sistema no le ha dado permiso para capturar. No se cuenta nada hasta que se arregle. Haga esto una vez:</translation>
    </message>
    <message>
        <location line="+12" />
        <source>What the agent said: %1</source>
        <translation>Lo que dijo el agente: %1</translation>
    </message>
    <message>
        <location line="+7" />
        <source>The window itself never needs these rights; only the small counting agent does.</source>
        <translation>La ventana nunca necesita estos permisos; solo los necesita el pequeño agente que cuenta.</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Copy the instructions</source>
        <translation>Copiar las instrucciones</translation>
    </message>
</context>
<context>
    <name>CreditNoteDialog</name>
    <message>
        <location filename="../../hotspot_manager/ui/billing.py" line="-405" />
        <source>Credit note for %1</source>
        <translation>Nota de crédito para %1</translation>
    </message>
    <message>
        <location line="+3" />
        <source>%1, total %2. The invoice itself is never changed.</source>
        <translation>%1, total %2. La factura en sí no se cambia nunca.</translation>
    </message>
    <message>
        <location line="+8" />
        <source>e.g. 30.00</source>
        <translation>p. ej. 30.00</translation>
    </message>
    <message>
        <location line="+2" />
        <source>e.g. charged twice</source>
        <translation>p. ej. cobro doble</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Amount (%1)</source>
        <translation>Importe (%1)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Reason</source>
        <translation>Motivo</translation>
    </message>
</context>
<context>
    <name>CustomerDialog</name>
    <message>
        <location filename="../../hotspot_manager/ui/customers.py" line="-48" />
        <source>Edit customer</source>
        <translation>Editar cliente</translation>
    </message>
    <message>
        <location line="+0" />
        <source>New customer</source>
        <translation>Nuevo cliente</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Spanish (es)</source>
        <translation>Español (es)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>English (en)</source>
        <translation>Inglés (en)</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Name</source>
        <translation>Nombre</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Phone</source>
        <translation>Teléfono</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Notes</source>
        <translation>Notas</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Currency</source>
        <translation>Moneda</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Language of the bills</source>
        <translation>Idioma de las facturas</translation>
    </message>
</context>
<context>
    <name>CustomersModel</name>
    <message>
        <location line="-52" />
        <source>Name</source>
        <translation>Nombre</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Phone</source>
        <translation>Teléfono</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Currency</source>
        <translation>Moneda</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Balance</source>
        <translation>Saldo</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Devices</source>
        <translation>Dispositivos</translation>
    </message>
</context>
<context>
    <name>CustomersScreen</name>
    <message>
        <location line="+93" />
        <source>New customer…</source>
        <translation>Nuevo cliente…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Edit…</source>
        <translation>Editar…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Assign device…</source>
        <translation>Asignar dispositivo…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Set plan…</source>
        <translation>Poner plan…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Sell pack…</source>
        <translation>Vender paquete…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>History…</source>
        <translation>Historial…</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Plans and packs…</source>
        <translation>Planes y paquetes…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Exchange rates…</source>
        <translation>Tasas de cambio…</translation>
    </message>
    <message>
        <location line="+21" />
        <source>No customers yet. Add one with New customer.</source>
        <translation>Aún no hay clientes. Añada uno con Nuevo cliente.</translation>
    </message>
    <message numerus="yes">
        <location line="+19" />
        <source>%n customer(s)</source>
        <translation>
            <numerusform>%n cliente</numerusform>
            <numerusform>%n clientes</numerusform>
        </translation>
    </message>
    <message>
        <location line="+21" />
        <source>Customers</source>
        <translation>Clientes</translation>
    </message>
    <message>
        <location line="+19" />
        <source>New customer</source>
        <translation>Nuevo cliente</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Not added: %1</source>
        <translation>No se añadió: %1</translation>
    </message>
    <message>
        <location line="+21" />
        <source>Edit customer</source>
        <translation>Editar cliente</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Not saved: %1</source>
        <translation>No se guardó: %1</translation>
    </message>
    <message>
        <location line="+18" />
        <location line="+13" />
        <source>Assign device</source>
        <translation>Asignar dispositivo</translation>
    </message>
    <message>
        <location line="-12" />
        <source>No device has been seen yet. Devices appear once the agent counts.</source>
        <translation>Aún no se ha visto ningún dispositivo. Los dispositivos aparecen cuando el agente cuenta.</translation>
    </message>
    <message>
        <location line="+13" />
        <source>Not assigned: %1</source>
        <translation>No se asignó: %1</translation>
    </message>
    <message>
        <location line="+28" />
        <location line="+11" />
        <source>Set plan</source>
        <translation>Poner plan</translation>
    </message>
    <message>
        <location line="-11" />
        <source>No plan to offer yet: add one in Plans.</source>
        <translation>Todavía no hay planes que ofrecer: añada uno en Planes y paquetes.</translation>
    </message>
    <message>
        <location line="+11" />
        <source>Not changed: %1</source>
        <translation>No se cambió: %1</translation>
    </message>
    <message>
        <location line="+15" />
        <location line="+11" />
        <source>Sell pack</source>
        <translation>Vender paquete</translation>
    </message>
    <message>
        <location line="-11" />
        <source>No pack to sell yet: add one in Plans.</source>
        <translation>Todavía no hay paquetes que vender: añada uno en Planes y paquetes.</translation>
    </message>
    <message>
        <location line="+11" />
        <source>Not sold: %1</source>
        <translation>No se vendió: %1</translation>
    </message>
</context>
<context>
    <name>DashboardScreen</name>
    <message>
        <location filename="../../hotspot_manager/ui/dashboard.py" line="+241" />
        <source>Counting agent</source>
        <translation>Agente de conteo</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Uplink</source>
        <translation>Conexión a internet</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Router</source>
        <translation>Router</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Today</source>
        <translation>Hoy</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Start counting</source>
        <translation>Empezar a contar</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Stop counting</source>
        <translation>Dejar de contar</translation>
    </message>
    <message>
        <location line="+20" />
        <source>Connected now</source>
        <translation>Conectados ahora</translation>
    </message>
    <message>
        <location line="+141" />
        <source>counting</source>
        <translation>contando</translation>
    </message>
    <message>
        <location line="+2" />
        <source>on %1</source>
        <translation>en %1</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Frames per second</source>
        <translation>Tramas por segundo</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Dropped by the system</source>
        <translation>Perdidas por el sistema</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Since</source>
        <translation>Desde</translation>
    </message>
    <message>
        <location line="+4" />
        <source>stopped</source>
        <translation>detenido</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+9" />
        <source>Not counting</source>
        <translation>No se está contando</translation>
    </message>
    <message>
        <location line="-7" />
        <source>Last counted %1. Usage is not being recorded.</source>
        <translation>Último conteo %1. El consumo no se está registrando.</translation>
    </message>
    <message>
        <location line="+6" />
        <source>never run</source>
        <translation>nunca se ejecutó</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The agent has never counted into this database.</source>
        <translation>El agente nunca ha contado en esta base de datos.</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Nobody is shown because the agent is not counting. Start it above.</source>
        <translation>No se muestra a nadie porque el agente no está contando. Inícielo arriba.</translation>
    </message>
    <message>
        <location line="+3" />
        <source>No device has sent anything in the last seconds.</source>
        <translation>Ningún dispositivo ha enviado nada en los últimos segundos.</translation>
    </message>
    <message>
        <location line="+7" />
        <source>up</source>
        <translation>funciona</translation>
    </message>
    <message>
        <location line="+1" />
        <source>degraded</source>
        <translation>degradada</translation>
    </message>
    <message>
        <location line="+1" />
        <source>down</source>
        <translation>caída</translation>
    </message>
    <message>
        <location line="+1" />
        <source>unknown</source>
        <translation>desconocido</translation>
    </message>
    <message>
        <location line="+1" />
        <source>reachable</source>
        <translation>accesible</translation>
    </message>
    <message>
        <location line="+1" />
        <source>unreachable</source>
        <translation>inaccesible</translation>
    </message>
    <message>
        <location line="+5" />
        <source>good</source>
        <translation>buena</translation>
    </message>
    <message>
        <location line="+0" />
        <source>fair</source>
        <translation>regular</translation>
    </message>
    <message>
        <location line="+0" />
        <source>poor</source>
        <translation>mala</translation>
    </message>
    <message>
        <location line="+8" />
        <source>no data</source>
        <translation>sin datos</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Monitor not running</source>
        <translation>Monitor detenido</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Start the monitor to see latency, loss and outages.</source>
        <translation>Inicie el monitor para ver latencia, pérdidas y cortes.</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Router reachability comes from the monitor.</source>
        <translation>El estado del router lo da el monitor.</translation>
    </message>
    <message>
        <location line="+14" />
        <location line="+29" />
        <source>Latency</source>
        <translation>Latencia</translation>
    </message>
    <message>
        <location line="-28" />
        <source>Jitter</source>
        <translation>Variación (jitter)</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+28" />
        <source>Loss</source>
        <translation>Pérdida</translation>
    </message>
    <message>
        <location line="-23" />
        <source>Video calls</source>
        <translation>Videollamadas</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Outage</source>
        <translation>Corte</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Since %1 (%2)</source>
        <translation>Desde %1 (%2)</translation>
    </message>
    <message>
        <location line="+10" />
        <source>No router configured</source>
        <translation>Ningún router configurado</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Name</source>
        <translation>Nombre</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Up for</source>
        <translation>Tiempo encendido</translation>
    </message>
    <message>
        <location line="+8" />
        <source>internet traffic since midnight</source>
        <translation>tráfico de internet desde medianoche</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Downloaded</source>
        <translation>Descargado</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Uploaded</source>
        <translation>Subido</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Devices</source>
        <translation>Dispositivos</translation>
    </message>
</context>
<context>
    <name>Demo</name>
    <message>
        <location filename="../../hotspot_manager/ui/app.py" line="+43" />
        <source>DEMO — not a real hotspot. A synthetic capture of a small hotspot (made with the project's IMIX generator, shipped in resources/) is replayed in real time through the same pipeline the agent uses, into a temporary database that is deleted on exit. It was first fed at once as the last ten minutes, so the graphs have history.</source>
        <translation>DEMOSTRACIÓN — no es un hotspot real. Una captura sintética de un hotspot pequeño (hecha con el generador IMIX del proyecto, incluida en resources/) se reproduce en tiempo real por el mismo proceso que usa el agente, en una base de datos temporal que se borra al salir. Primero se cargó de una vez como los últimos diez minutos, para que las gráficas tengan historia.</translation>
    </message>
</context>
<context>
    <name>DevicesModel</name>
    <message>
        <location filename="../../hotspot_manager/ui/devices.py" line="-540" />
        <source>Name</source>
        <translation>Nombre</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Vendor</source>
        <translation>Fabricante</translation>
    </message>
    <message>
        <location line="-1" />
        <source>MAC</source>
        <translation>MAC</translation>
    </message>
    <message>
        <location line="+2" />
        <source>IP</source>
        <translation>IP</translation>
    </message>
    <message>
        <location line="+1" />
        <source>First seen</source>
        <translation>Primera vez</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Last seen</source>
        <translation>Última vez</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Today</source>
        <translation>Hoy</translation>
    </message>
    <message>
        <location line="+1" />
        <source>This month</source>
        <translation>Este mes</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Customer</source>
        <translation>Cliente</translation>
    </message>
    <message>
        <location line="+2" />
        <source>random</source>
        <translation>aleatoria</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Randomised (private) MAC address: the phone may show up under another one later.</source>
        <translation>Dirección MAC aleatoria (privada): el teléfono puede aparecer luego con otra.</translation>
    </message>
    <message>
        <location line="+15" />
        <source>Internet traffic, download plus upload</source>
        <translation>Tráfico de internet, descarga más subida</translation>
    </message>
    <message>
        <location line="+23" />
        <source>unknown</source>
        <translation>desconocido</translation>
    </message>
    <message>
        <location line="+23" />
        <source>Calls itself %1</source>
        <translation>Se hace llamar %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The name the device gave itself; double-click to rename</source>
        <translation>El nombre que se dio el dispositivo; doble clic para renombrarlo</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Download %1, upload %2</source>
        <translation>Descarga %1, subida %2</translation>
    </message>
</context>
<context>
    <name>DevicesScreen</name>
    <message>
        <location line="+262" />
        <source>Search by name, vendor, MAC, IP or customer</source>
        <translation>Buscar por nombre, fabricante, MAC, IP o cliente</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Rename…</source>
        <translation>Renombrar…</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Assign to customer…</source>
        <translation>Asignar a un cliente…</translation>
    </message>
    <message>
        <location line="+45" />
        <source>No device has been seen yet. Devices appear here once the agent counts.</source>
        <translation>Aún no se ha visto ningún dispositivo. Aparecen aquí cuando el agente cuenta.</translation>
    </message>
    <message numerus="yes">
        <location line="+27" />
        <source>%n device(s)</source>
        <translation>
            <numerusform>%n dispositivo</numerusform>
            <numerusform>%n dispositivos</numerusform>
        </translation>
    </message>
    <message>
        <location line="+30" />
        <source>History of %1 (internet traffic)</source>
        <translation>Historial de %1 (tráfico de internet)</translation>
    </message>
    <message>
        <location line="+15" />
        <location line="+13" />
        <source>Rename device</source>
        <translation>Renombrar dispositivo</translation>
    </message>
    <message>
        <location line="-12" />
        <source>Name for %1 (empty to clear):</source>
        <translation>Nombre para %1 (vacío para quitarlo):</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Not renamed: %1</source>
        <translation>No se renombró: %1</translation>
    </message>
    <message>
        <location line="+13" />
        <location line="+7" />
        <location line="+16" />
        <source>Assign to customer</source>
        <translation>Asignar a un cliente</translation>
    </message>
    <message>
        <location line="-15" />
        <source>No customers yet: add one on the Customers screen.</source>
        <translation>Aún no hay clientes: añada uno en la pantalla Clientes.</translation>
    </message>
    <message>
        <location line="+16" />
        <source>Not assigned: %1</source>
        <translation>No se asignó: %1</translation>
    </message>
</context>
<context>
    <name>DocumentsModel</name>
    <message>
        <location filename="../../hotspot_manager/ui/plans.py" line="+574" />
        <source>Document</source>
        <translation>Documento</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Month</source>
        <translation>Mes</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Issued</source>
        <translation>Emitido</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Total</source>
        <translation>Total</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Amount due</source>
        <translation>A pagar</translation>
    </message>
    <message>
        <location line="+12" />
        <source>credit on F-%1: %2</source>
        <translation>abono a F-%1: %2</translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <location filename="../../hotspot_manager/ui/settings.py" line="+253" />
        <source>Welcome to Hotspot Manager</source>
        <translation>Bienvenido al Gestor de Hotspot</translation>
    </message>
    <message>
        <location line="+4" />
        <source>A few questions before we start. You can change every answer later in Settings.</source>
        <translation>Unas preguntas antes de empezar. Puede cambiar cada respuesta luego en Ajustes.</translation>
    </message>
    <message>
        <location line="+14" />
        <source>Start</source>
        <translation>Empezar</translation>
    </message>
</context>
<context>
    <name>Format</name>
    <message>
        <location filename="../../hotspot_manager/ui/i18n.py" line="+90" />
        <source>B</source>
        <extracomment>language code -&gt; its own name (never translated: people look for their language)</extracomment>
        <translation>B</translation>
    </message>
    <message>
        <location line="+1" />
        <source>kB</source>
        <translation>kB</translation>
    </message>
    <message>
        <location line="+1" />
        <source>MB</source>
        <translation>MB</translation>
    </message>
    <message>
        <location line="+1" />
        <source>GB</source>
        <translation>GB</translation>
    </message>
    <message>
        <location line="+1" />
        <source>TB</source>
        <translation>TB</translation>
    </message>
    <message numerus="yes">
        <location line="+61" />
        <source>%n s</source>
        <translation>
            <numerusform>%n s</numerusform>
            <numerusform>%n s</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+4" />
        <source>%n min</source>
        <translation>
            <numerusform>%n min</numerusform>
            <numerusform>%n min</numerusform>
        </translation>
    </message>
    <message>
        <location line="+4" />
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message numerus="yes">
        <location line="+5" />
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n día</numerusform>
            <numerusform>%n días</numerusform>
        </translation>
    </message>
    <message>
        <location line="+9" />
        <source>just now</source>
        <translation>ahora mismo</translation>
    </message>
    <message>
        <location line="+1" />
        <source>%1 ago</source>
        <translation>hace %1</translation>
    </message>
</context>
<context>
    <name>HistoryChart</name>
    <message>
        <location filename="../../hotspot_manager/ui/devices.py" line="-281" />
        <location line="+45" />
        <source>Choose a device to see its history</source>
        <translation>Elija un dispositivo para ver su historial</translation>
    </message>
    <message>
        <location line="-39" />
        <source>By hour</source>
        <translation>Por hora</translation>
    </message>
    <message>
        <location line="+1" />
        <source>By day</source>
        <translation>Por día</translation>
    </message>
    <message>
        <location line="+1" />
        <source>By month</source>
        <translation>Por mes</translation>
    </message>
    <message>
        <location line="+22" />
        <source>MB</source>
        <translation>MB</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Download</source>
        <translation>Descarga</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Upload</source>
        <translation>Subida</translation>
    </message>
    <message>
        <location line="+54" />
        <source>Shown period: download %1, upload %2</source>
        <translation>Periodo mostrado: descarga %1, subida %2</translation>
    </message>
</context>
<context>
    <name>HistoryDialog</name>
    <message>
        <location filename="../../hotspot_manager/ui/plans.py" line="+86" />
        <source>History of %1</source>
        <translation>Historial de %1</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Balance: %1</source>
        <translation>Saldo: %1</translation>
    </message>
    <message>
        <location line="+13" />
        <source>Bills (%1)</source>
        <translation>Facturas (%1)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Payments (%1)</source>
        <translation>Pagos (%1)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Packs (%1)</source>
        <translation>Paquetes (%1)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Plans (%1)</source>
        <translation>Planes (%1)</translation>
    </message>
</context>
<context>
    <name>IssuedModel</name>
    <message>
        <location filename="../../hotspot_manager/ui/billing.py" line="-34" />
        <source>Document</source>
        <translation>Documento</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Customer</source>
        <translation>Cliente</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Total</source>
        <translation>Total</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Amount due</source>
        <translation>A pagar</translation>
    </message>
</context>
<context>
    <name>LiveDevicesModel</name>
    <message>
        <location filename="../../hotspot_manager/ui/dashboard.py" line="-406" />
        <source>Device</source>
        <translation>Dispositivo</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Address</source>
        <translation>Dirección</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Download</source>
        <translation>Descarga</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Upload</source>
        <translation>Subida</translation>
    </message>
    <message numerus="yes">
        <location line="+15" />
        <source>Internet traffic, averaged over the last %n second(s)</source>
        <translation>
            <numerusform>Tráfico de internet, promedio del último segundo</numerusform>
            <numerusform>Tráfico de internet, promedio de los últimos %n segundos</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../hotspot_manager/ui/main_window.py" line="+50" />
        <source>Hotspot Manager</source>
        <translation>Gestor de Hotspot</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1 — demo</source>
        <translation>%1 — demostración</translation>
    </message>
    <message>
        <location line="+36" />
        <source>Customers</source>
        <translation>Clientes</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Billing</source>
        <translation>Facturación</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Alerts</source>
        <translation>Alertas</translation>
    </message>
    <message>
        <location line="-4" />
        <source>Dashboard</source>
        <translation>Panel</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Devices</source>
        <translation>Dispositivos</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Settings</source>
        <translation>Ajustes</translation>
    </message>
    <message>
        <location line="+18" />
        <source>Database: %1</source>
        <translation>Base de datos: %1</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Counting on %1. Closing this window does not stop counting.</source>
        <translation>Contando en %1. Cerrar esta ventana no detiene el conteo.</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Not counting: usage is not being recorded.</source>
        <translation>No se está contando: el consumo no se registra.</translation>
    </message>
</context>
<context>
    <name>Notifier</name>
    <message numerus="yes">
        <location filename="../../hotspot_manager/ui/notify.py" line="+157" />
        <source>%n new alert(s)</source>
        <translation>
            <numerusform>%n alerta nueva</numerusform>
            <numerusform>%n alertas nuevas</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+3" />
        <source>… and %n earlier</source>
        <translation>
            <numerusform>… y %n anterior</numerusform>
            <numerusform>… y %n anteriores</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PacksModel</name>
    <message>
        <location filename="../../hotspot_manager/ui/plans.py" line="-55" />
        <source>Sold</source>
        <translation>Vendido</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Pack</source>
        <translation>Paquete</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Price</source>
        <translation>Precio</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Valid until</source>
        <translation>Válido hasta</translation>
    </message>
</context>
<context>
    <name>PaymentDialog</name>
    <message>
        <location filename="../../hotspot_manager/ui/billing.py" line="+47" />
        <source>Record payment</source>
        <translation>Registrar pago</translation>
    </message>
    <message>
        <location line="+3" />
        <source>e.g. 12</source>
        <translation>p. ej. 12</translation>
    </message>
    <message>
        <location line="+2" />
        <source>e.g. 250.00</source>
        <translation>p. ej. 250.00</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The invoice's</source>
        <translation>La de la factura</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Cash</source>
        <translation>Efectivo</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Transfermóvil</source>
        <translation>Transfermóvil</translation>
    </message>
    <message>
        <location line="+1" />
        <source>EnZona</source>
        <translation>EnZona</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Other</source>
        <translation>Otro</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Invoice number</source>
        <translation>Número de factura</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Amount</source>
        <translation>Importe</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Currency</source>
        <translation>Moneda</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Method</source>
        <translation>Forma de pago</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Reference</source>
        <translation>Referencia</translation>
    </message>
</context>
<context>
    <name>PaymentsModel</name>
    <message>
        <location filename="../../hotspot_manager/ui/plans.py" line="-35" />
        <source>Received</source>
        <translation>Recibido</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Amount</source>
        <translation>Importe</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Applied</source>
        <translation>Aplicado</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Method</source>
        <translation>Forma de pago</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Invoice</source>
        <translation>Factura</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Reference</source>
        <translation>Referencia</translation>
    </message>
    <message>
        <location line="+14" />
        <source>Cash</source>
        <translation>Efectivo</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Transfermóvil</source>
        <translation>Transfermóvil</translation>
    </message>
    <message>
        <location line="+1" />
        <source>EnZona</source>
        <translation>EnZona</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Other</source>
        <translation>Otro</translation>
    </message>
    <message>
        <location line="+3" />
        <source>on account</source>
        <translation>a cuenta</translation>
    </message>
</context>
<context>
    <name>PlanDialog</name>
    <message>
        <location line="-429" />
        <source>Edit plan</source>
        <translation>Editar plan</translation>
    </message>
    <message>
        <location line="+0" />
        <source>New plan</source>
        <translation>Nuevo plan</translation>
    </message>
    <message>
        <location line="+13" />
        <source>to the second</source>
        <translation>al segundo</translation>
    </message>
    <message>
        <location line="+1" />
        <source>to the started minute</source>
        <translation>al minuto empezado</translation>
    </message>
    <message>
        <location line="+1" />
        <source>to the started quarter hour</source>
        <translation>al cuarto de hora empezado</translation>
    </message>
    <message>
        <location line="+6" />
        <source>e.g. 10GB; empty: no cap</source>
        <translation>p. ej. 10GB; vacío: sin límite</translation>
    </message>
    <message>
        <location line="+2" />
        <source>e.g. 0.10</source>
        <translation>p. ej. 0.10</translation>
    </message>
    <message>
        <location line="+2" />
        <source>e.g. 1h20m</source>
        <translation>p. ej. 1h20m</translation>
    </message>
    <message>
        <location line="+2" />
        <source>e.g. 1GB</source>
        <translation>p. ej. 1GB</translation>
    </message>
    <message>
        <location line="+2" />
        <source>e.g. 2d (at most 62 days)</source>
        <translation>p. ej. 2d (62 días como máximo)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Credit uplink outages</source>
        <translation>Compensar los cortes de la conexión</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Name</source>
        <translation>Nombre</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Kind</source>
        <translation>Tipo</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Currency</source>
        <translation>Moneda</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Rounding of each stretch online</source>
        <translation>Redondeo de cada conexión</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Data included per month</source>
        <translation>Datos incluidos al mes</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Price per MB over it</source>
        <translation>Precio por MB de exceso</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Time included</source>
        <translation>Tiempo incluido</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Data included</source>
        <translation>Datos incluidos</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Usable within</source>
        <translation>Válido durante</translation>
    </message>
    <message>
        <location line="+42" />
        <source>Once customers are on a plan (or a pack is sold) only its name can change: for new terms add a new plan and move the customers to it.</source>
        <translation>Cuando ya hay clientes en un plan (o se vendió un paquete) solo se puede cambiar su nombre: para condiciones nuevas, cree un plan nuevo y pase los clientes a él.</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Price per MB (or tiers: 1000:0.50,*:0.30)</source>
        <translation>Precio por MB (o tramos: 1000:0.50,*:0.30)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Price per hour</source>
        <translation>Precio por hora</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Monthly fee</source>
        <translation>Cuota mensual</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Price of the pack</source>
        <translation>Precio del paquete</translation>
    </message>
</context>
<context>
    <name>PlansDialog</name>
    <message>
        <location line="+35" />
        <location line="+42" />
        <location line="+33" />
        <source>Plans and packs</source>
        <translation>Planes y paquetes</translation>
    </message>
    <message>
        <location line="-71" />
        <source>New plan…</source>
        <translation>Nuevo plan…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Edit…</source>
        <translation>Editar…</translation>
    </message>
    <message>
        <location line="+2" />
        <location line="+45" />
        <source>Archive</source>
        <translation>Archivar</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Offer again</source>
        <translation>Volver a ofrecer</translation>
    </message>
    <message>
        <location line="+23" />
        <source>Not saved: %1</source>
        <translation>No se guardó: %1</translation>
    </message>
</context>
<context>
    <name>PlansModel</name>
    <message>
        <location line="-279" />
        <source>Name</source>
        <translation>Nombre</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Kind</source>
        <translation>Tipo</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Terms</source>
        <translation>Condiciones</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Outage credit</source>
        <translation>Compensa cortes</translation>
    </message>
    <message>
        <location line="+1" />
        <source>State</source>
        <translation>Estado</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Per MB</source>
        <translation>Por MB</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Per hour</source>
        <translation>Por hora</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Monthly flat rate</source>
        <translation>Tarifa plana mensual</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Prepaid pack</source>
        <translation>Paquete prepago</translation>
    </message>
    <message>
        <location line="+9" />
        <source>%1 %2/MB</source>
        <translation>%1 %2/MB</translation>
    </message>
    <message>
        <location line="+3" />
        <source>(up to %1)</source>
        <translation>(hasta %1)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>(over %1)</source>
        <translation>(a partir de %1)</translation>
    </message>
    <message>
        <location line="+5" />
        <source>%1 per hour</source>
        <translation>%1 por hora</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1 per month</source>
        <translation>%1 al mes</translation>
    </message>
    <message>
        <location line="+3" />
        <source>%1 included, then %2 %3/MB</source>
        <translation>%1 incluidos, luego %2 %3/MB</translation>
    </message>
    <message>
        <location line="+12" />
        <source>%1: %2 usable within %3</source>
        <translation>%1: %2 para usar en %3</translation>
    </message>
    <message>
        <location line="+14" />
        <source>yes</source>
        <translation>sí</translation>
    </message>
    <message>
        <location line="+0" />
        <source>no</source>
        <translation>no</translation>
    </message>
    <message>
        <location line="+1" />
        <source>archived</source>
        <translation>archivado</translation>
    </message>
    <message>
        <location line="+0" />
        <source>offered</source>
        <translation>en oferta</translation>
    </message>
</context>
<context>
    <name>PreviewModel</name>
    <message>
        <location filename="../../hotspot_manager/ui/billing.py" line="-126" />
        <source>Customer</source>
        <translation>Cliente</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Total</source>
        <translation>Total</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Currency</source>
        <translation>Moneda</translation>
    </message>
</context>
<context>
    <name>RatesDialog</name>
    <message>
        <location filename="../../hotspot_manager/ui/plans.py" line="+253" />
        <location line="+50" />
        <source>Exchange rates</source>
        <translation>Tasas de cambio</translation>
    </message>
    <message>
        <location line="-45" />
        <source>A bill uses the rates in force on the last day of its month; a payment in another currency, those of the day it was received.</source>
        <translation>Una factura usa las tasas vigentes el último día de su mes; un pago en otra moneda, las del día en que se recibió.</translation>
    </message>
    <message>
        <location line="+14" />
        <source>CUP per unit, e.g. 400</source>
        <translation>CUP por unidad, p. ej. 400</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Currency</source>
        <translation>Moneda</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Rate</source>
        <translation>Tasa</translation>
    </message>
    <message>
        <location line="+1" />
        <source>From</source>
        <translation>Desde</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Set rate</source>
        <translation>Fijar tasa</translation>
    </message>
    <message>
        <location line="+22" />
        <source>Not set: %1</source>
        <translation>No se fijó: %1</translation>
    </message>
</context>
<context>
    <name>RatesModel</name>
    <message>
        <location line="-67" />
        <source>From</source>
        <translation>Desde</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Currency</source>
        <translation>Moneda</translation>
    </message>
    <message>
        <location line="+0" />
        <source>CUP per unit</source>
        <translation>CUP por unidad</translation>
    </message>
</context>
<context>
    <name>SellPackDialog</name>
    <message>
        <location line="+115" />
        <source>Sell a pack to %1</source>
        <translation>Vender un paquete a %1</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Pack</source>
        <translation>Paquete</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Sold at</source>
        <translation>Fecha de venta</translation>
    </message>
</context>
<context>
    <name>SettingsScreen</name>
    <message>
        <location filename="../../hotspot_manager/ui/settings.py" line="+26" />
        <source>Settings</source>
        <translation>Ajustes</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Save</source>
        <translation>Guardar</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Database: %1</source>
        <translation>Base de datos: %1</translation>
    </message>
    <message>
        <location line="+21" />
        <source>Saving…</source>
        <translation>Guardando…</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Not saved: %1</source>
        <translation>No se guardó: %1</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Saved.</source>
        <translation>Guardado.</translation>
    </message>
</context>
<context>
    <name>SetupForm</name>
    <message>
        <location line="-212" />
        <source>As it appears on bills</source>
        <translation>Como aparece en las facturas</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Business name</source>
        <translation>Nombre del negocio</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Language</source>
        <translation>Idioma</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Main currency</source>
        <translation>Moneda principal</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Like the system</source>
        <translation>Como el sistema</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Light</source>
        <translation>Claro</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Dark</source>
        <translation>Oscuro</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Appearance</source>
        <translation>Apariencia</translation>
    </message>
    <message>
        <location line="+5" />
        <source>No network interface found</source>
        <translation>No se encontró ninguna interfaz de red</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Hotspot interface</source>
        <translation>Interfaz del hotspot</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Detect</source>
        <translation>Detectar</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Hotspot network (LAN)</source>
        <translation>Red del hotspot (LAN)</translation>
    </message>
    <message>
        <source>Open at login, in the tray (counting comes back after a power cut)</source>
        <translation>Abrir al iniciar sesión, en la bandeja (el conteo se reanuda tras un apagón)</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Inicio</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Traffic to addresses outside this range is internet usage; the rest is local and not billed.</source>
        <translation>El tráfico hacia direcciones fuera de este rango es consumo de internet; el resto es local y no se cobra.</translation>
    </message>
    <message>
        <location line="+14" />
        <source>no IPv4 address</source>
        <translation>sin dirección IPv4</translation>
    </message>
    <message>
        <location line="+1" />
        <source>(down)</source>
        <translation>(desconectada)</translation>
    </message>
    <message>
        <location line="+45" />
        <source>“%1” is not a network range such as 192.168.1.0/24.</source>
        <translation>«%1» no es un rango de red como 192.168.1.0/24.</translation>
    </message>
</context>
<context>
    <name>SubscribeDialog</name>
    <message>
        <location filename="../../hotspot_manager/ui/plans.py" line="-33" />
        <source>Plan of %1</source>
        <translation>Plan de %1</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <location line="+1" />
        <source>From</source>
        <translation>Desde</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The plan running on that day ends then; each plan bills its own days.</source>
        <translation>El plan vigente ese día termina entonces; cada plan factura sus propios días.</translation>
    </message>
</context>
<context>
    <name>SubscriptionsModel</name>
    <message>
        <location line="+131" />
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <location line="+0" />
        <source>From</source>
        <translation>Desde</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Until</source>
        <translation>Hasta</translation>
    </message>
    <message>
        <location line="+7" />
        <source>open</source>
        <translation>sin fin</translation>
    </message>
</context>
</TS>
