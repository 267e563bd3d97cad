import json
import os


def main_handler(event, context):
    print("event:", json.dumps(event))
    print("request %s in %s/%s" % (context["request_id"], context["namespace"], context["function_name"]))
    return {"message": "%s, %s!" % (os.environ["GREETING"], event.get("name", "world"))}
