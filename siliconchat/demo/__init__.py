"""The built-in demo server: SiliconFlow's chat API on 127.0.0.1, with scripted answers.

``siliconchat --demo``, the tests, the screenshots and the benchmarks all talk to it through the real
``openai`` SDK. Run it alone with ``python -m siliconchat.demo``.
"""

from siliconchat.demo.server import DEMO_API_KEY, DemoServer, RecordedRequest

__all__ = ["DEMO_API_KEY", "DemoServer", "RecordedRequest"]
